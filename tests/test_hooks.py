"""Hooks on tensors and graph nodes, and anomaly detection, against PyTorch 2.13: when each hook runs, what it
receives, how a returned value replaces the gradient, handle.remove(), and the errors."""

from __future__ import annotations

import pytest

from differential import assert_same

pytest.importorskip("torch")
pytestmark = pytest.mark.oracle


def test_tensor_hooks_on_leaves_and_non_leaves():
    assert_same("""
        import torch
        x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
        def show(g):
            print("leaf grad", g)
        def double(g):
            return g * 2
        h1 = x.register_hook(show)
        h2 = x.register_hook(double)
        y = x * x
        def on_y(g):
            print("y grad", g)
            return g + 1
        y.register_hook(on_y)
        y.retain_grad()
        z = (y * 3).sum()
        z.backward()
        print(x.grad, y.grad)
        h2.remove()
        h2.remove()
        x.grad = None
        (x * 5).sum().backward()
        print(x.grad)
        print(h1)
    """)


def test_hooks_see_gradients_in_the_order_of_registration_and_autograd_grad_sees_hooks():
    assert_same("""
        import torch
        w = torch.tensor([0.5, -1.0], requires_grad=True)
        h = w.exp()
        def first(g):
            print("first", g)
            return g * 10
        def second(g):
            print("second", g)
        h.register_hook(first)
        h.register_hook(second)
        loss = (h * h).sum()
        g, = torch.autograd.grad(loss, [w])
        print(g)
        def leaf(g):
            return g * 0 + 7
        w.register_hook(leaf)
        g2, = torch.autograd.grad((w * 2).sum(), w)
        print(g2)
    """)


def test_node_hooks_and_prehooks():
    assert_same("""
        import torch
        z = torch.tensor([1.0, 2.0], requires_grad=True)
        c = torch.tensor([3.0, 4.0], requires_grad=True)
        w = z * c
        def pre(grad_outputs):
            print("pre", grad_outputs)
            return (grad_outputs[0] * 2,)
        def post(grad_inputs, grad_outputs):
            print("post", grad_inputs, grad_outputs)
            return (grad_inputs[0], grad_inputs[1] * 0)
        h1 = w.grad_fn.register_prehook(pre)
        h2 = w.grad_fn.register_hook(post)
        w.sum().backward(retain_graph=True)
        print(z.grad, c.grad)
        h1.remove()
        h2.remove()
        w.sum().backward()
        print(z.grad, c.grad)
        acc = (z * 2).grad_fn.next_functions[0][0]
        def acc_pre(grad_outputs):
            print("acc pre", grad_outputs)
        def acc_post(grad_inputs, grad_outputs):
            print("acc post", grad_inputs, grad_outputs)
        acc.register_prehook(acc_pre)
        acc.register_hook(acc_post)
        def after(t):
            print("accumulated", t.grad)
        z.register_post_accumulate_grad_hook(after)
        (z * 2).sum().backward()
    """)


def test_node_post_hooks_see_gradients_summed_to_each_input_and_none_without_one():
    """PyTorch's engine validates a node's gradients (sums a broadcast one to its input's shape, leaves None where
    an input takes none) before its post hooks see them."""
    assert_same("""
        import torch
        a = torch.ones(2, 3, requires_grad=True)
        b = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
        def post(grad_inputs, grad_outputs):
            print("post", grad_inputs, [g.shape for g in grad_outputs])
        (a * b).grad_fn.register_hook(post)
        y = a * b
        y.grad_fn.register_hook(post)
        y.sum().backward()
        k = torch.ones(2, 3)
        z = torch.addmm(b, k.t(), a)
        z.grad_fn.register_hook(post)
        z.sum().backward()
        w = a * torch.ones(3)
        w.grad_fn.register_hook(post)
        w.sum().backward()
    """)


@pytest.mark.parametrize("case", [
    "x.register_hook(wrong_type)", "x.register_hook(wrong_shape)", "torch.ones(2).register_hook(show)",
    "(x * 2).grad_fn.register_prehook(two_values)", "(x * 2).grad_fn.register_hook(one_value)",
    "(x * 2).register_post_accumulate_grad_hook(show)", "x.register_hook(5)", "x.register_hook(to_double)",
    "(x * 2).register_hook(to_long)", "(x * 2).grad_fn.register_prehook(bare_tensor)",
    "(x * 2).grad_fn.register_prehook(as_list)", "(x * 2).grad_fn.register_prehook(double_first)",
    "(x * 2).grad_fn.register_hook(bare_tensor)", "(x * 2).grad_fn.register_hook(double_first)",
    "(x * 2).grad_fn.register_hook(wrong_size_first)", "(x * 2).grad_fn.register_hook(number_first)",
])
def test_hook_errors(case):
    assert_same(f"""
        import torch
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        def wrong_type(g):
            return 5
        def wrong_shape(g):
            return g[:1]
        def show(g):
            print(g)
        def two_values(go):
            return (go[0], go[0])
        def one_value(gi, go):
            return (gi[0],)
        def to_double(g):
            return g.double()
        def to_long(g):
            return g.long()
        def bare_tensor(*grads):
            return grads[0][0]
        def as_list(*grads):
            return [grads[0][0]]
        def double_first(*grads):
            return (grads[0][0].double(),) + grads[0][1:]
        def wrong_size_first(*grads):
            return (torch.ones(3),) + grads[0][1:]
        def number_first(*grads):
            return (5,) + grads[0][1:]
        y = x
        target = {case}
        (y * 2 * x).sum().backward()
        print(x.grad)
    """.replace("target = (x * 2).grad_fn", "y = x * 2\n        target = y.grad_fn"))


def test_anomaly_mode_names_the_forward_call():
    assert_same("""
        import torch
        x = torch.tensor([0.0, 1.0], requires_grad=True)
        print(torch.is_anomaly_enabled())
        with torch.autograd.detect_anomaly():
            print(torch.is_anomaly_enabled())
            y = x.sqrt()
            z = (y * 0).sum()
        print(torch.is_anomaly_enabled())
        torch.autograd.set_detect_anomaly(True)
        y = x.sqrt()
        (y * 0).sum().backward()
    """, compare_messages=_first_lines)


def test_anomaly_mode_warns_on_other_backward_errors_and_check_nan_off():
    assert_same("""
        import torch
        torch.autograd.set_detect_anomaly(True, check_nan=False)
        print(torch.is_anomaly_enabled(), torch.is_anomaly_check_nan_enabled())
        x = torch.tensor([0.0, 1.0], requires_grad=True)
        (x.sqrt() * 0).sum().backward()
        print(x.grad)
        with torch.autograd.set_detect_anomaly(False):
            print(torch.is_anomaly_enabled())
        print(torch.is_anomaly_enabled())
        a = x.exp()
        b = a * 2
        a.mul_(3)
        b = a.sin()
        a.add_(1)
        b.sum().backward()
    """, compare_messages=_first_lines)


def test_anomaly_mode_without_forward_information():
    """Backward under anomaly mode of a graph built outside it: PyTorch's "No forward pass information" warning,
    also before the error of a graph already freed."""
    assert_same("""
        import torch
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        z = x.sqrt() * 0
        with torch.autograd.detect_anomaly():
            y.sum().backward()
            print(x.grad)
            y.sum().backward()
    """)
    assert_same("""
        import torch
        x = torch.tensor([0.0, 2.0], requires_grad=True)
        z = x.sqrt() * 0
        with torch.autograd.detect_anomaly():
            z.sum().backward()
    """)


def _first_lines(messages: list[str]) -> list[str]:
    # PyTorch's "Traceback of forward call" names its own file paths; compare what precedes it.
    return [message.split("\n")[0] for message in messages]


def test_gradients_held_elsewhere_are_not_changed_by_later_accumulation():
    assert_same("""
        import torch
        a = torch.ones(3, requires_grad=True)
        b = torch.ones(3, requires_grad=True)
        c = torch.tensor([1.0, 2.0, 3.0])
        ((a + b) * c).sum().backward()
        (a * 5).sum().backward()
        print(a.grad, b.grad)
        kept = []
        def keep(g):
            kept.append(g)
        x = torch.ones(2, requires_grad=True)
        x.register_hook(keep)
        (x * 2).sum().backward()
        (x * 3).sum().backward()
        print(kept, x.grad)
        y = x * 2
        y.retain_grad()
        z = (y * 3).sum()
        z.backward(retain_graph=True)
        z.backward()
        print(y.grad)
        w = x.clone()
        w.retain_grad()
        (w * c[:2]).sum().backward()
        (x * 4).sum().backward()
        print(w.grad, x.grad)
    """)
