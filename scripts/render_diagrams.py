#!/usr/bin/env python3
"""Render every BPMN file under workflows/ to docs/processes/img/<process_id>.png.

Uses the same bpmn-js viewer the web pages serve (web/static/vendor, fetched by `make vendor`) in
headless chromium driven by Playwright; the browser is the system's chromium (installed by
scripts/install-system-deps.sh), never a downloaded one.

    .venv/bin/python scripts/render_diagrams.py [--out docs/processes/img] [FILE_OR_FOLDER ...]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VIEWER = ROOT / "web/static/vendor/node_modules/bpmn-js/dist/bpmn-navigated-viewer.production.min.js"
CSS = [
    ROOT / "web/static/vendor/node_modules/bpmn-js/dist/assets/diagram-js.css",
    ROOT / "web/static/vendor/node_modules/bpmn-js/dist/assets/bpmn-js.css",
]
CHROMIUM = os.environ.get("SHEBAO_CHROMIUM", "/usr/bin/chromium")
BPMN_NS = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
MAX_SIDE = 6000
MARGIN = 24

PAGE = """<!doctype html><html><head><meta charset="utf-8"><style>
html, body { margin: 0; background: #fff; font-family: "Noto Sans CJK SC", "Noto Sans SC", sans-serif; }
#canvas { width: 1600px; height: 1000px; }
.bjs-powered-by { display: none !important; }
</style></head><body><div id="canvas"></div></body></html>"""

RENDER = """async (xml) => {
  const viewer = new window.BpmnJS({ container: document.getElementById('canvas') });
  window.__viewer = viewer;
  const result = await viewer.importXML(xml);
  const canvas = viewer.get('canvas');
  canvas.zoom(1);
  const box = canvas.viewbox().inner;
  return { x: box.x, y: box.y, width: box.width, height: box.height, warnings: result.warnings.length };
}"""

FIT = """([x, y, width, height, margin, scale]) => {
  const el = document.getElementById('canvas');
  el.style.width = Math.round(width * scale) + 'px';
  el.style.height = Math.round(height * scale) + 'px';
  const canvas = window.__viewer.get('canvas');
  canvas.resized();
  canvas.viewbox({ x: x - margin, y: y - margin, width: width, height: height });
}"""


def process_ids(path: Path) -> list[str]:
    """The ids of the executable processes in a BPMN file (a file with none: its first process)."""
    from engine.xmlsafe import parse_xml

    root = parse_xml(path.read_bytes(), str(path))
    processes = list(root.iter(BPMN_NS + "process"))
    executable = [p.get("id") for p in processes if p.get("isExecutable") == "true" and p.get("id")]
    return executable or [p.get("id") for p in processes[:1] if p.get("id")]


def bpmn_files(targets: list[str]) -> list[Path]:
    """The .bpmn files named or found under the folders given (default: workflows/)."""
    found: list[Path] = []
    for target in targets or [str(ROOT / "workflows")]:
        path = Path(target)
        found += sorted(path.rglob("*.bpmn")) if path.is_dir() else [path]
    return found


def render(files: list[Path], out: Path) -> list[Path]:
    """Render ``files``; returns the images written."""
    from playwright.sync_api import sync_playwright

    if not VIEWER.exists():
        raise SystemExit(f"error: {VIEWER.relative_to(ROOT)} is missing; run `make vendor` first")
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"error: chromium not found at {CHROMIUM}; run scripts/install-system-deps.sh")
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1600, "height": 1000}, device_scale_factor=1)
        for path in files:
            ids = process_ids(path)
            if not ids:
                print(f"skipped {path}: no process", file=sys.stderr)
                continue
            page.set_content(PAGE)
            for css in CSS:
                page.add_style_tag(path=str(css))
            page.add_script_tag(path=str(VIEWER))
            box = page.evaluate(RENDER, path.read_text(encoding="utf-8"))
            width, height = int(box["width"]) + 2 * MARGIN, int(box["height"]) + 2 * MARGIN
            scale = min(1.0, MAX_SIDE / width, MAX_SIDE / height)  # very large diagrams are scaled down
            page.set_viewport_size({"width": max(int(width * scale), 200), "height": max(int(height * scale), 100)})
            page.evaluate(FIT, [box["x"], box["y"], width, height, MARGIN, scale])
            target = out / f"{ids[0]}.png"
            page.locator("#canvas").screenshot(path=str(target))
            written.append(target)
            print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} -> {target}")
        browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("targets", nargs="*", help="BPMN files or folders (default: workflows/)")
    parser.add_argument("--out", default=str(ROOT / "docs/processes/img"), help="output folder")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    files = bpmn_files(args.targets)
    if not files:
        print("no BPMN files found", file=sys.stderr)
        return 1
    render(files, Path(args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
