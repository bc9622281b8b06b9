"""What this repository proves, per cloud, domain and test tier, and what it cannot prove here.

Derived, not declared: `synth`/`policy` from the module registry (a module file exists and the cloud
has a rule table), `plan` from the offline provider mirror, `apply` from the domains `blueprint up`
applies to the emulator (those enabled in the emulated environment). Only the reasons why something
cannot be applied offline are written down, as measured. The cloud tier (real accounts) runs only in
the GitHub workflows (deploy, promote, drift) with credentials, never here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from blueprint.pins import PROVIDER_PINS
from blueprint.spec import CLOUDS, DOMAINS, PlatformSpec

TIERS = ("synth", "policy", "plan", "apply", "cloud")

# Why a domain, or a part of one, is not applied on the emulator (moto 5.2.5 + AWS provider 5.100.0).
EMULATOR_GAPS: dict[str, str] = {
    "warehouse": "Redshift Serverless has no offline emulator (moto answers 500)",
    "streaming": "provisioned MSK needs CreateConfiguration, which moto lacks",
    "orchestration": "MWAA has no offline emulator",
}


@dataclass(frozen=True)
class Row:
    cloud: str
    domain: str
    synth: str
    policy: str
    plan: str
    apply: str
    cloud_tier: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def coverage(specs: dict[str, PlatformSpec], mirror: bool) -> list[Row]:
    from blueprint.policy.rules import RULES
    from stacks.app import module_ref

    emulated = [s for s in specs.values() if s.emulated]
    applied = {d for s in emulated for d in s.domains.enabled()}
    rows: list[Row] = []
    for cloud in CLOUDS:
        provider = PROVIDER_PINS[cloud][0]
        for domain in DOMAINS:
            built = module_ref(cloud, domain) is not None
            if not built:
                rows.append(Row(cloud, domain, "not built", "-", "-", "-", "-"))
                continue
            policy = "yes" if cloud in RULES else "no rule table"
            if cloud == "aws":
                plan = "yes (mirror)" if mirror else "no: the provider mirror is missing"
                if domain in applied:
                    apply = "yes (emulator)"
                    if domain in EMULATOR_GAPS:  # what the emulated environment leaves out, and why
                        apply += "; planned only: " + EMULATOR_GAPS[domain]
                else:
                    apply = "no: " + EMULATOR_GAPS.get(domain, "not enabled in the emulated environment")
            else:
                plan = f"no: no {provider} provider offline"
                apply = f"no: no {cloud} infrastructure emulator"
            rows.append(Row(cloud, domain, "yes", policy, plan, apply, "workflows only"))
    return rows
