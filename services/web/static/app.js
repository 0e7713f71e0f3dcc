// Downloads that take a while (exports, generated documents) show their progress: the file is
// fetched here (same origin, the session cookie goes with it), the bytes received shown in a
// <progress>, then saved. Without JavaScript the link downloads as usual. On an error the page
// itself is opened, which shows the problem in the person's language.
(function () {
  "use strict";
  function status(link) {
    var out = document.getElementById(link.getAttribute("data-progress"));
    return out || null;
  }
  async function download(link) {
    var out = status(link);
    var bar = out.querySelector("progress");
    var text = out.querySelector("span");
    out.hidden = false;
    bar.removeAttribute("value");
    text.textContent = out.getAttribute("data-working");
    var response = await fetch(link.href, { credentials: "same-origin" });
    if (!response.ok || !response.body) {
      window.location.href = link.href;
      return;
    }
    var total = Number(response.headers.get("content-length")) || 0;
    if (total) { bar.max = total; }
    var reader = response.body.getReader();
    var chunks = [];
    var received = 0;
    for (;;) {
      var step = await reader.read();
      if (step.done) { break; }
      chunks.push(step.value);
      received += step.value.length;
      if (total) { bar.value = received; }
      text.textContent = out.getAttribute("data-working") + " " + Math.round(received / 1024) + " KB";
    }
    var blob = new Blob(chunks, { type: response.headers.get("content-type") || "application/octet-stream" });
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = link.getAttribute("download") || "";
    document.body.appendChild(a);
    a.click();
    a.remove();
    bar.max = 1; bar.value = 1;
    text.textContent = out.getAttribute("data-done");
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-progress]") : null;
    if (!link || !window.fetch || !window.ReadableStream) { return; }
    event.preventDefault();
    download(link).catch(function () { window.location.href = link.href; });
  });
})();
