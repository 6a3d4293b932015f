"""The graph views show hooks on the nodes they run at (no PyTorch needed)."""

from __future__ import annotations


def test_views_show_hooks(tmp_path):
    """The graph views name each hook on the node it runs at (tree, DOT, Mermaid and JSON)."""
    import json

    from click.testing import CliRunner

    from autodiff.cli.main import main

    script = tmp_path / "hooked.py"
    script.write_text(
        "import torch\nw = torch.ones(2, requires_grad=True)\nh = w * 3\n"
        "def scale(g):\n    return g * 2\n"
        "def show(grad_outputs):\n    print(grad_outputs)\n"
        "h.register_hook(scale)\nh.grad_fn.register_prehook(show)\nw.register_hook(scale)\n"
        "loss = h.sum()\n", encoding="utf-8")
    runner = CliRunner(env={"NO_COLOR": "1"})
    tree = runner.invoke(main, ["graph", "--of", "loss", str(script)]).output
    assert "MulBackward0  h [2]  [hook scale, pre-hook show]" in tree
    assert "AccumulateGrad  w [2]  [hook scale]" in tree
    document = json.loads(runner.invoke(main, ["graph", "--of", "loss", "--format", "json", str(script)]).output)
    hooked = {node["op"]: node["hooks"] for node in document["nodes"] if "hooks" in node}
    assert hooked == {"MulBackward0": ["hook scale", "pre-hook show"], "AccumulateGrad": ["hook scale"]}
    for view in ("dot", "mermaid"):
        drawing = runner.invoke(main, ["graph", "--of", "loss", "--format", view, str(script)]).output
        assert "hook scale, pre-hook show" in drawing
    picture = runner.invoke(main, ["graph", "--of", "loss", "--format", "svg", str(script)]).output
    assert '<text class="hook"' in picture and "hook scale, pre-hook show" in picture
