"""One stack class per domain. They differ only by the domain they compose."""

from __future__ import annotations

from stacks.base import DomainStack


class FoundationStack(DomainStack):
    domain = "foundation"


class LakeStack(DomainStack):
    domain = "lake"


class WarehouseStack(DomainStack):
    domain = "warehouse"


class StreamingStack(DomainStack):
    domain = "streaming"


class OrchestrationStack(DomainStack):
    domain = "orchestration"


class ServingStack(DomainStack):
    domain = "serving"


STACK_CLASSES: dict[str, type[DomainStack]] = {
    cls.domain: cls
    for cls in (FoundationStack, LakeStack, WarehouseStack, StreamingStack, OrchestrationStack, ServingStack)
}
