"""`python -m services.gateway.graphql.export`: write the schema to services/gateway/schema.graphql
(what `strawberry export-schema` prints). The file is checked in and a test fails when it differs
from the code, so every schema change is reviewed as a diff."""

from __future__ import annotations

from pathlib import Path

from services.gateway.graphql.schema import schema

EXPORTED = Path(__file__).parents[1] / "schema.graphql"


def main() -> None:
    EXPORTED.write_text(schema.as_str() + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
