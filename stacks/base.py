"""`DomainStack`: one TerraformStack per (environment, cloud, domain), id `<env>-<cloud>-<domain>`."""

from __future__ import annotations

from typing import Any, ClassVar

from cdktn import TerraformStack
from constructs import Construct

from blueprint.naming import Namer
from blueprint.pins import PROVIDER_PINS
from blueprint.spec import PlatformSpec
from stacks import registry


class DomainStack(TerraformStack):
    """Composes the registered module of `cloud` for this stack's domain, with provider and backend."""

    domain: ClassVar[str]

    def __init__(self, scope: Construct, spec: PlatformSpec, cloud: str) -> None:
        self.spec = spec
        self.cloud = cloud
        self.namer = Namer(spec.prefix, spec.name)
        self.stack_id = self.namer.stack_id(cloud, self.domain)
        super().__init__(scope, self.stack_id)
        registry.resolve(registry.STACK_SETUP[cloud])(self, spec, self.namer)
        # One provider pin per cloud, written once (blueprint.pins). The AWS bindings
        # target provider 6.x; the pin is the version validated offline.
        source, version = PROVIDER_PINS[cloud]
        local_name = source.rsplit("/", 1)[1]
        self.add_override(f"terraform.required_providers.{local_name}.source", source)
        self.add_override(f"terraform.required_providers.{local_name}.version", version)
        registry.resolve(registry.BACKENDS[cloud])(self, spec, self.namer, self.stack_id)
        construct = registry.module_for(cloud, self.domain)
        if construct is None:
            raise LookupError(f"no {cloud} module registered for domain {self.domain!r}")
        self.module: Any = construct(self, self.domain, spec=spec, namer=self.namer)
