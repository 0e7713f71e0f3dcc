// GraphiQL on /graphql: the token goes in the headers pane, {"Authorization": "Bearer …"}.
(function () {
  var fetcher = GraphiQL.createFetcher({ url: window.location.pathname });
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultEditorToolbarOpen: true,
    defaultHeaders: '{"Authorization": "Bearer <token from POST /auth/login or /oauth/token>"}',
    shouldPersistHeaders: false,
  }));
})();
