"""``shuzhi demo``: build the demo district and run every pipeline once."""

from __future__ import annotations

import os
import shutil
import time
from typing import TYPE_CHECKING

import typer

from cli.errors import CliError

if TYPE_CHECKING:
    from demo.sign_ins import DemoSignIn
    from pipelines.hub import Hub


def _fresh_hub_data(home: object) -> None:
    """A demo run starts from an empty lakehouse and no rooms; keys and audit log stay."""
    from home.layout import Home

    assert isinstance(home, Home)
    for folder in (home.lakehouse, home.rooms):
        if folder.exists():
            shutil.rmtree(folder)
    home.ensure()


def demo(
    seed: int = typer.Option(
        7, "--seed", help="Seed of the generated district (same seed, same data)."
    ),
    scale: float = typer.Option(1.0, "--scale", help="Size: 1 ≈ 20,000 residents, 6,000 cases."),
    workers: int = typer.Option(
        1, "--workers", min=1, help="Worker processes for the pipeline's steps (see shuzhi run)."
    ),
) -> None:
    """Build a demo district of 3 streets and its department systems (cases from five
    channels), then run every pipeline."""
    if scale <= 0:
        raise CliError("--scale must be greater than 0")
    from rich.console import Console

    from demo.department_apis import serve_department_apis
    from demo.generate import generate_district
    from demo.sizes import DistrictSize
    from encryption.master_key import MASTER_KEY_ENV, MASTER_KEY_FILE, create_key_file
    from pipelines.hub import Hub
    from pipelines.run import run_refresh

    console = Console(stderr=True, soft_wrap=True)
    hub = Hub.from_env()
    key_file = hub.home.keys / MASTER_KEY_FILE
    if not os.environ.get(MASTER_KEY_ENV) and not key_file.exists():
        create_key_file(key_file)
        console.print(f"created master key file {key_file} (0600); back it up, keep it out of git")
    _fresh_hub_data(hub.home)
    hub.audit.append("demo", "shuzhi-cli", {"seed": seed, "scale": scale})
    # The sign-ins (made last) seal names with the identity key: made now, before the
    # pipelines, so the key store stays as the rooms were built from (else all rebuild).
    hub.keystore.identity_key()

    started = time.monotonic()
    size = DistrictSize.demo(scale)
    with console.status(f"generating the demo district (seed {seed}, scale {scale})…"):
        manifest = generate_district(hub.home, seed=seed, size=size, district=hub.catalog.district)
    console.print(
        f"[green]✓[/green] department systems written under {hub.home.departments} "
        f"({size.residents:,} residents, {size.enterprises:,} enterprises, {size.cases:,} cases, "
        f"{size.assistance:,} assistance records, {size.visits:,} home visits, "
        f"{size.social_organisations:,} social organisations)"
    )
    with serve_department_apis(hub.home) as api_env:
        os.environ.update(api_env)
        console.print(
            "[green]✓[/green] department APIs serving on loopback (market regulation "
            f"{api_env['SHUZHI_MARKET_API_URL']}, WeChat mini-program "
            f"{api_env['SHUZHI_WECHAT_API_URL']})"
        )
        outcome = run_refresh(hub, show_progress=True, workers=workers)

    from cli.summary import print_demo_sign_ins, print_demo_summary
    from demo.sign_ins import SIGN_INS_FILE

    print_demo_summary(hub, manifest, outcome, time.monotonic() - started)
    if not outcome.success:
        raise CliError("the demo run failed: " + "; ".join(outcome.failures[:3]))
    print_demo_sign_ins(_sign_ins(hub), hub.home.root / SIGN_INS_FILE)


def _sign_ins(hub: Hub) -> list[DemoSignIn]:
    """The demo's people for the web pages, with new passwords."""
    from demo.sign_ins import DemoSignInClash, create_demo_sign_ins

    try:
        return create_demo_sign_ins(hub)
    except DemoSignInClash as clash:
        raise CliError(str(clash)) from None
