"""The music lexicon: read, edit, import and export. Changes apply to new jobs."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from scribe.api.auth import ReadAccess, WriteAccess
from scribe.api.deps import BackendsDep
from scribe.api.problems import Problem
from scribe.api.routes.artifacts import content
from scribe.lexicon import store as lexicon_store

router = APIRouter(tags=["lexicon"])


class TermView(BaseModel):
    """A term and its variants."""

    canonical: str
    variants: list[str]


class CategoryView(BaseModel):
    """A category of terms."""

    id: str
    label: str
    terms: list[TermView]


class LexiconView(BaseModel):
    """The whole lexicon."""

    version: str
    categories: list[CategoryView]


class TermIn(BaseModel):
    """A term to add or replace."""

    category: str = Field(min_length=1, max_length=41)
    canonical: str = Field(min_length=1, max_length=120)
    variants: list[str] = Field(default_factory=list, max_length=50)
    remove: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="Spellings to drop; every other existing spelling is kept (merged).",
    )
    replace: bool = Field(
        default=False, description="Make `variants` the whole list instead of merging."
    )


class CategoryIn(BaseModel):
    """A new category."""

    id: str = Field(min_length=2, max_length=41)
    label: str = Field(default="", max_length=120)


class LexiconChange(BaseModel):
    """The lexicon's version after a change."""

    version: str
    imported: int | None = None
    created: bool | None = Field(default=None, description="A saved term was new.")
    added: list[str] | None = Field(default=None, description="Spellings a save added.")
    removed: list[str] | None = Field(default=None, description="Spellings a save removed.")
    kept: list[str] | None = Field(default=None, description="Spellings a save kept.")


def _change(call: Any) -> LexiconChange:
    try:
        return LexiconChange(version=call())
    except lexicon_store.LexiconError as exc:
        raise Problem(422, str(exc)) from None


@router.get("/lexicon", response_model=LexiconView)
def get_lexicon(backends: BackendsDep, _s: ReadAccess) -> LexiconView:
    """Every category and term."""
    return LexiconView(**lexicon_store.as_document(backends.store))


@router.put("/lexicon/terms", response_model=LexiconChange)
def put_term(body: TermIn, backends: BackendsDep, _s: WriteAccess) -> LexiconChange:
    """Add a term, or merge new spellings into the one with the same canonical form (a
    spelling goes only when named in ``remove``, or with ``replace``); says what changed."""
    from scribe.lexicon.merge import save_term

    try:
        change = save_term(
            backends.store,
            category=body.category,
            canonical=body.canonical,
            variants=body.variants,
            remove=body.remove,
            replace=body.replace,
        )
    except lexicon_store.LexiconError as exc:
        raise Problem(422, str(exc)) from None
    return LexiconChange(
        version=change.version,
        created=change.created,
        added=change.added,
        removed=change.removed,
        kept=change.kept,
    )


@router.delete("/lexicon/terms", response_model=LexiconChange)
def delete_term(
    backends: BackendsDep,
    _s: WriteAccess,
    category: Annotated[str, Query(min_length=1, max_length=41)],
    canonical: Annotated[str, Query(min_length=1, max_length=120)],
) -> LexiconChange:
    """Remove a term."""
    return _change(
        lambda: lexicon_store.delete_term(backends.store, category=category, canonical=canonical)
    )


@router.post("/lexicon/categories", status_code=201, response_model=LexiconChange)
def add_category(body: CategoryIn, backends: BackendsDep, _s: WriteAccess) -> LexiconChange:
    """A new, empty category."""
    return _change(
        lambda: lexicon_store.add_category(backends.store, category=body.id, label=body.label)
    )


@router.get(
    "/lexicon/export",
    response_model=None,
    responses=content("application/json", "text/csv"),
)
def export_lexicon(
    backends: BackendsDep,
    _s: ReadAccess,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> Response:
    """The lexicon as JSON (the shape import takes) or CSV (category,canonical,variants)."""
    if format == "csv":
        body = lexicon_store.export_csv(backends.store)
        return Response(
            body,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="lexicon.csv"'},
        )
    model = LexiconView(**lexicon_store.as_document(backends.store))
    return Response(
        model.model_dump_json(indent=2),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="lexicon.json"'},
    )


@router.post(
    "/lexicon/import",
    response_model=LexiconChange,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "version": {"type": "string"},
                            "categories": {
                                "type": "array",
                                "items": {"$ref": "#/components/schemas/CategoryView"},
                            },
                        },
                        "required": ["categories"],
                        "additionalProperties": False,
                    }
                },
                "text/csv": {"schema": {"type": "string"}},
            },
        }
    },
)
async def import_lexicon(request: Request, backends: BackendsDep, _s: WriteAccess) -> LexiconChange:
    """Merge an export (JSON) or a CSV into the lexicon; terms with the same canonical form in
    the same category are replaced."""
    body = await request.body()
    if len(body) > 5 * 1024 * 1024:
        raise Problem(413, "a lexicon import may hold at most 5 MB")
    text = body.decode("utf-8", "replace")
    if "json" in request.headers.get("content-type", ""):
        _check_export(text)
    try:
        version, count = lexicon_store.import_lexicon(backends.store, text)
    except lexicon_store.LexiconError as exc:
        raise Problem(422, str(exc)) from None
    return LexiconChange(version=version, imported=count)


def _check_export(text: str) -> None:
    """A JSON import must be an export's shape (``categories``, and ``version`` if it likes,
    nothing else), so a body meant for another route is refused rather than half read."""
    import json

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Problem(422, f"the import is not JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise Problem(422, "a JSON import is an object with `categories`")
    unknown = sorted(set(data) - set(LexiconView.model_fields))
    missing = [] if "categories" in data else ["categories"]
    if unknown or missing:
        parts = [f"unknown field(s): {', '.join(map(repr, unknown))}"] if unknown else []
        parts += [f"missing field(s): {', '.join(missing)}"] if missing else []
        raise Problem(422, "not a lexicon export: " + "; ".join(parts))
