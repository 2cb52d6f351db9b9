"""Routes for every resource of the catalog, generated from its declaration: list, count, export, get, history,
and for writable ones create and update. Each route parses the request, calls one service, and returns its
answer: no rules live here.

FastAPI reads a route's parameters from its signature; since the filters of each resource are data, each
endpoint is given an explicit ``__signature__`` built from them (so every filter is a typed, documented query
parameter of the OpenAPI schema).
"""

import inspect
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response, status
from pydantic import BaseModel

from detente.api.deps import CurrentPrincipal, CurrentStore
from detente.api.encoding import json_response
from detente.api.errors import ERROR_RESPONSES
from detente.api.schemas import (
    INT32,
    NO_NUL,
    PARTIAL_DATE,
    AuditEntryOut,
    audit_entry,
    create_schema,
    detail_schema,
    page_schema,
    public_schema,
    update_schema,
)
from detente.services import audit_trail
from detente.services.access import Principal
from detente.services.catalog import RESOURCES, Filter, Resource
from detente.services.entities import entity_name
from detente.services.reading import MAX_LIMIT, Reader
from detente.services.writing import MarkingRequest, Writer
from detente.store.database import Store

__all__ = ["IdPath", "marking_request", "resource_router"]

KW = inspect.Parameter.KEYWORD_ONLY
IdPath = Annotated[int, Path(ge=1, le=INT32, description="the record's id")]


class Count(BaseModel):
    """How many records you may see match."""

    count: int


def _param(name: str, annotation: Any, default: Any = inspect.Parameter.empty) -> inspect.Parameter:
    return inspect.Parameter(name, KW, default=default, annotation=annotation)


def _filter_annotation(name: str, spec: Filter) -> Any:
    if name == "as_of":
        return Annotated[str | None, Query(pattern=PARTIAL_DATE, description=spec.description)]
    if spec.type is int:
        return Annotated[int | None, Query(ge=-INT32, le=INT32, description=spec.description)]
    if spec.type is date:
        return Annotated[date | None, Query(description=spec.description)]
    return Annotated[str | None, Query(max_length=200, pattern=NO_NUL, description=spec.description)]


def _base_params() -> list[inspect.Parameter]:
    return [_param("store", CurrentStore), _param("principal", CurrentPrincipal)]


def _query_params(res: Resource) -> list[inspect.Parameter]:
    params = [_param(name, _filter_annotation(name, spec), None) for name, spec in res.all_filters().items()]
    if res.name == "reports":
        params.append(
            _param(
                "q",
                Annotated[
                    str | None,
                    Query(max_length=500, pattern=NO_NUL, description="full-text search: reports with every word"),
                ],
                None,
            )
        )
    return params


def _split(res: Resource, kwargs: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    filters = {name: kwargs[name] for name in res.all_filters() if kwargs.get(name) is not None}
    return filters, kwargs.get("q")


def marking_request(body: dict[str, Any]) -> MarkingRequest | None:
    """Take the ``marking`` out of a parsed body (``None`` if absent)."""
    raw = body.pop("marking", None)
    if raw is None:
        return None
    return MarkingRequest(
        raw.get("classification", "UNCLASSIFIED"), tuple(raw.get("releasable_to", ())), raw.get("caveat")
    )


def _signed(function: Callable[..., Any], params: list[inspect.Parameter]) -> Callable[..., Any]:
    function.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    return function


def _add_reads(router: APIRouter, res: Resource) -> None:
    name = res.name
    sort_help = f"sort by one of {', '.join(res.sorts)}; prefix - for descending (default {res.default_sort})"

    page_model = page_schema(name)

    def list_records(store: Store, principal: Principal, **kwargs: Any) -> Response:
        filters, search = _split(res, kwargs)
        page = Reader(store).list(
            principal,
            name,
            filters=filters,
            sort=kwargs["sort"],
            limit=kwargs["limit"],
            offset=kwargs["offset"],
            search=search,
        )
        answer = {"items": page.items, "total": page.total, "limit": page.limit, "offset": page.offset}
        return json_response(page_model, answer)

    sort_choices = tuple(res.sorts) + tuple(f"-{s}" for s in res.sorts)
    list_params = [
        *_base_params(),
        _param("sort", Annotated[Literal[sort_choices] | None, Query(description=sort_help)], None),
        _param("limit", Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size")], 50),
        _param("offset", Annotated[int, Query(ge=0, le=INT32, description="records to skip")], 0),
        *_query_params(res),
    ]
    router.add_api_route(
        f"/{name}",
        _signed(list_records, list_params),
        methods=["GET"],
        response_model=page_model,
        summary=f"List {name}",
        description=res.title,
        operation_id=f"list_{name.replace('-', '_')}",
    )

    def count_records(store: Store, principal: Principal, **kwargs: Any) -> dict[str, Any]:
        filters, search = _split(res, kwargs)
        return {"count": Reader(store).count(principal, name, filters=filters, search=search)}

    router.add_api_route(
        f"/{name}/count",
        _signed(count_records, [*_base_params(), *_query_params(res)]),
        methods=["GET"],
        response_model=Count,
        summary=f"Count {name}",
        operation_id=f"count_{name.replace('-', '_')}",
    )

    def export_records(store: Store, principal: Principal, **kwargs: Any) -> Response:
        filters, search = _split(res, kwargs)
        fmt = kwargs["format"]
        text = Reader(store).export(principal, name, fmt=fmt, filters=filters, search=search)
        media = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
        return Response(text, media_type=media)

    router.add_api_route(
        f"/{name}/export",
        _signed(
            export_records,
            [
                *_base_params(),
                _param("format", Annotated[Literal["csv", "json"], Query(description="csv or json")], "csv"),
                *_query_params(res),
            ],
        ),
        methods=["GET"],
        response_class=Response,
        responses={200: {"content": {"text/csv": {}, "application/json": {}}, "description": "the export"}},
        summary=f"Export {name} (analysts and up)",
        operation_id=f"export_{name.replace('-', '_')}",
    )

    detail_model = detail_schema(name)

    def get_record(store: Store, principal: Principal, record_id: int) -> Response:
        record = Reader(store).get(principal, name, record_id)
        return json_response(detail_model, record)

    router.add_api_route(
        f"/{name}/{{record_id}}",
        _signed(get_record, [*_base_params(), _param("record_id", IdPath)]),
        methods=["GET"],
        response_model=detail_model,
        summary=f"Get one of {name}",
        operation_id=f"get_{name.replace('-', '_')}",
    )

    def history(store: Store, principal: Principal, record_id: int) -> list[dict[str, Any]]:
        Reader(store).visible_record(principal, name, record_id)
        entries = audit_trail.entries(store, object_ref=f"{entity_name(res.model)}:{record_id}", limit=500)
        return [audit_entry(entry) for entry in entries]

    router.add_api_route(
        f"/{name}/{{record_id}}/history",
        _signed(history, [*_base_params(), _param("record_id", IdPath)]),
        methods=["GET"],
        response_model=list[AuditEntryOut],
        summary=f"Change history of one of {name} (from the audit log)",
        operation_id=f"history_{name.replace('-', '_')}",
    )


def _add_writes(router: APIRouter, res: Resource) -> None:
    name = res.name
    create_model, update_model, public_model = create_schema(name), update_schema(name), public_schema(name)

    def create_record(store: Store, principal: Principal, body: BaseModel) -> Response:
        values = body.model_dump(exclude_unset=True, mode="json")
        marking = marking_request(values)
        writer = Writer(store)
        if name == "deliveries":
            created = writer.deliver(principal, values)
        else:
            created = writer.create(principal, name, values, marking=marking)
        return json_response(public_model, created, status.HTTP_201_CREATED)

    router.add_api_route(
        f"/{name}",
        _signed(create_record, [*_base_params(), _param("body", create_model)]),
        methods=["POST"],
        status_code=status.HTTP_201_CREATED,
        response_model=public_model,
        summary=f"Create one of {name}",
        operation_id=f"create_{name.replace('-', '_')}",
    )

    def update_record(store: Store, principal: Principal, record_id: int, body: BaseModel) -> Response:
        values = body.model_dump(exclude_unset=True, mode="json")
        marking = marking_request(values)
        version = values.pop("version", None)
        changed = Writer(store).update(principal, name, record_id, values, version=version, marking=marking)
        return json_response(public_model, changed)

    router.add_api_route(
        f"/{name}/{{record_id}}",
        _signed(update_record, [*_base_params(), _param("record_id", IdPath), _param("body", update_model)]),
        methods=["PATCH"],
        response_model=public_model,
        summary=f"Change one of {name}",
        operation_id=f"update_{name.replace('-', '_')}",
    )


def _add_delete(router: APIRouter, res: Resource) -> None:
    name = res.name

    def delete_record(store: Store, principal: Principal, record_id: int, version: int | None) -> dict[str, Any]:
        return Writer(store).delete(principal, name, record_id, version=version)

    version_param = _param(
        "version",
        Annotated[int | None, Query(ge=1, description="the version you read (required: GET the record first)")],
        None,
    )
    router.add_api_route(
        f"/{name}/{{record_id}}",
        _signed(delete_record, [*_base_params(), _param("record_id", IdPath), version_param]),
        methods=["DELETE"],
        response_model=public_schema(name),
        summary=f"Delete one of {name} (returns it as it was; the audit log keeps it)",
        operation_id=f"delete_{name.replace('-', '_')}",
    )


def resource_router() -> APIRouter:
    """One router with the routes of every resource in the catalog."""
    router = APIRouter(responses=ERROR_RESPONSES)
    for res in RESOURCES.values():
        _add_reads(router, res)
        if res.writable:
            _add_writes(router, res)
            _add_delete(router, res)
    return router
