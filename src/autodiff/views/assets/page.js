/* autodiff run --html: the page's behaviour. Shows what the page data holds (texts autodiff formatted); it
   computes nothing about tensors. No network, no storage: the page works opened from disk. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("page-data").textContent);
  var SVGNS = "http://www.w3.org/2000/svg";

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) {
        if (key === "text") node.textContent = attrs[key];
        else node.setAttribute(key, attrs[key]);
      });
    }
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function code(text, cls) {
    return el("code", cls ? { "class": cls, text: text } : { text: text });
  }

  function valueNode(value, cls) {
    if (!value) return el("span", { "class": "none", text: "None" });
    var wrap = el("span", {}, [code(value.text, cls)]);
    if (value.uniform !== null && value.uniform !== undefined) {
      wrap.appendChild(document.createTextNode(" (every element is " + value.uniform + ")"));
    }
    return wrap;
  }

  function shortValue(value) {
    if (!value) return "";
    if (value.uniform !== null && value.uniform !== undefined) return value.uniform;
    return value.text.length <= 18 ? value.text : "…";
  }

  function ordinal(n) {
    var names = ["zeroth", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"];
    return n < names.length ? names[n] : n + "th";
  }

  /* --- colours -------------------------------------------------------------------------------------------- */
  var toggle = document.getElementById("theme-toggle");
  if (toggle) {
    toggle.addEventListener("click", function () {
      var root = document.documentElement;
      var current = root.getAttribute("data-theme");
      if (!current) {
        current = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
      }
      var next = current === "dark" ? "light" : "dark";
      root.setAttribute("data-theme", next);
      toggle.setAttribute("aria-pressed", next === "dark" ? "true" : "false");
    });
  }

  /* --- script lines ----------------------------------------------------------------------------------------- */
  function lineText(number) {
    var item = document.getElementById("L" + number);
    if (!item) return null;
    var text = item.querySelector("code");
    return text ? text.textContent : null;
  }

  function highlightLine(number) {
    var lines = document.querySelectorAll("ol.code li.src.hl");
    for (var i = 0; i < lines.length; i++) lines[i].classList.remove("hl");
    if (number === null || number === undefined) return;
    var item = document.getElementById("L" + number);
    if (item) item.classList.add("hl");
  }

  function lineParagraph(number) {
    if (number === null || number === undefined) return el("p", { "class": "hint", text: "made by no line of the script" });
    var link = el("a", { href: "#L" + number, "class": "line-link", text: "line " + number });
    return el("p", {}, ["made at ", link, ": ", code(lineText(number) || "")]);
  }

  /* --- the graph ---------------------------------------------------------------------------------------------- */
  var details = document.getElementById("node-details");

  function describeNode(id) {
    var node = data.nodes[id];
    if (!node || !details) return;
    details.textContent = "";
    var title = node.kind === "constant" ? "(constant)" : node.op;
    details.appendChild(el("h3", {}, [title, node.name ? " " : "", node.name ? code(node.name) : null]));
    details.appendChild(lineParagraph(node.line));
    var list = el("dl", { id: "node-facts" });
    function fact(name, value) {
      list.appendChild(el("dt", { text: name }));
      list.appendChild(el("dd", {}, [value]));
    }
    fact("kind", node.kind === "leaf" ? "leaf (its AccumulateGrad node adds gradients into .grad)"
      : node.kind === "constant" ? "does not require grad: no gradient flows to it" : "grad_fn: an op backward runs");
    if (node.shape) fact("shape", node.shape + (node.dtype ? "  " + node.dtype : ""));
    if (node.value !== undefined) fact("value", valueNode(node.value, "value"));
    if (node.kind !== "constant") {
      fact("grad_fn", node.kind === "function" ? node.op : "None (a leaf)");
      if (node.grad !== undefined) {
        var grad = node.grad ? valueNode(node.grad, "grad")
          : el("span", {}, [el("span", { "class": "none", text: "None" }),
            node.grad_note ? el("span", { "class": "why", text: node.grad_note }) : null]);
        var holder = el("span", { id: "node-grad" }, [grad]);
        fact("grad", holder);
      } else {
        fact("grad", el("span", { id: "node-grad", "class": "none", text: "no variable holds this tensor" }));
      }
    }
    details.appendChild(list);
    if (node.kind === "function") {
      details.appendChild(el("h4", { text: "Local derivative for each input" }));
      if (node.factors && node.factors.length) {
        var items = node.factors.map(function (factor) {
          return el("li", { "data-role": "factor" }, [code(factor.d), " ", factor.elementwise === "yes" ? "= " : ": ",
            code(factor.factor)]);
        });
        details.appendChild(el("ul", {}, items));
      } else {
        details.appendChild(el("p", { "class": "hint", text: "No backward pass went through this node, so its local "
          + "derivatives were not read (they are read when a pass starts, before backward frees what the op saved)." }));
      }
    }
  }

  function selectNode(svg, id) {
    var nodes = svg.querySelectorAll(".node.selected");
    for (var i = 0; i < nodes.length; i++) nodes[i].classList.remove("selected");
    var chosen = svg.querySelector('.node[data-node="' + id + '"]');
    if (chosen) chosen.classList.add("selected");
    describeNode(id);
    var node = data.nodes[id];
    highlightLine(node ? node.line : null);
  }

  function activate(node, handler) {
    node.addEventListener("click", handler);
    node.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        handler();
      }
    });
  }

  var main = document.querySelector("#main-graph svg");
  if (main) {
    Array.prototype.forEach.call(main.querySelectorAll(".node"), function (node) {
      activate(node, function () { selectNode(main, node.getAttribute("data-node")); });
    });
  }

  /* --- backward, step by step --------------------------------------------------------------------------------- */
  var select = document.getElementById("pass-select");
  var prev = document.getElementById("step-prev");
  var next = document.getElementById("step-next");
  var count = document.getElementById("step-count");
  var stepDetails = document.getElementById("step-details");
  var state = { pass: data.passes.length - 1, step: 0 };

  function passDrawing(index) {
    return document.querySelector('.pass-graph[data-pass="' + index + '"]');
  }

  function labelOf(pass, id, fallback) {
    var node = id ? pass.nodes[id] : null;
    if (fallback) return fallback;
    if (node && node.name) return node.name;
    if (node) return node.op;
    return "an input";
  }

  function clearMarks(svg) {
    ["current", "done"].forEach(function (cls) {
      Array.prototype.forEach.call(svg.querySelectorAll(".node." + cls), function (n) { n.classList.remove(cls); });
    });
    Array.prototype.forEach.call(svg.querySelectorAll(".edge.active"), function (e) { e.classList.remove("active"); });
    Array.prototype.forEach.call(svg.querySelectorAll(".edge-label"), function (t) { t.parentNode.removeChild(t); });
  }

  function markDrawing(pass, index) {
    var holder = passDrawing(state.pass);
    var svg = holder ? holder.querySelector("svg") : null;
    if (!svg) return;
    clearMarks(svg);
    for (var i = 0; i < index; i++) {
      var done = pass.steps[i].node;
      var doneNode = done ? svg.querySelector('.node[data-node="' + done + '"]') : null;
      if (doneNode) doneNode.classList.add("done");
    }
    var step = pass.steps[index];
    if (!step || !step.node) return;
    var current = svg.querySelector('.node[data-node="' + step.node + '"]');
    if (current) {
      current.classList.remove("done");
      current.classList.add("current");
    }
    var labels = svg.querySelector(".edges");
    step.sends.forEach(function (send) {
      if (!send.to) return;
      var edge = svg.querySelector('.edge[data-from="' + send.to + '"][data-to="' + step.node + '"][data-input="'
        + send.input + '"]');
      if (!edge) return;
      edge.classList.add("active");
      if (send.value && labels) {
        var text = document.createElementNS(SVGNS, "text");
        text.setAttribute("class", "edge-label");
        text.setAttribute("x", edge.getAttribute("data-mx"));
        text.setAttribute("y", edge.getAttribute("data-my"));
        text.setAttribute("text-anchor", "middle");
        text.textContent = shortValue(send.value);
        labels.appendChild(text);
      }
    });
  }

  function sendItem(pass, step, send) {
    var target = labelOf(pass, send.to, send.to_label);
    var item = el("li", { "data-role": "send", "data-to-label": target, "data-input": String(send.input) });
    item.appendChild(el("div", {}, ["to ", code(target), " (input " + send.input + ")"]));
    if (send.d) {
      item.appendChild(el("div", { "class": "factor-line" }, ["local derivative ", code(send.d),
        send.elementwise === "yes" ? " = " : ": ", code(send.factor, "factor")]));
    }
    if (!send.value) {
      item.appendChild(el("div", { "class": "none", text: "sends no gradient (the rule gave None)" }));
      return item;
    }
    item.appendChild(el("div", {}, ["sends ", valueNode(send.value, "send-value")]));
    if (send.arrivals > 1 && send.arrival) {
      if (send.total) {
        item.appendChild(el("div", { "class": "accumulate" }, [
          "the " + ordinal(send.arrival) + " of " + send.arrivals + " gradients for " + target
          + ": they add up; so far ", valueNode(send.total)]));
      } else {
        item.appendChild(el("div", { "class": "accumulate", text: "the first of " + send.arrivals + " gradients for "
          + target + ": backward runs " + target + " once all have arrived and been added up" }));
      }
    }
    return item;
  }

  function renderStep() {
    if (!data.passes.length || !stepDetails) return;
    var pass = data.passes[state.pass];
    var total = pass.steps.length;
    if (state.step >= total) state.step = total - 1;
    if (state.step < 0) state.step = 0;
    prev.disabled = state.step <= 0;
    next.disabled = state.step >= total - 1;
    stepDetails.textContent = "";
    var header = el("div", { "class": "pass-head" });
    var fed = pass.roots.map(function (root) {
      return el("span", {}, [code(root.name || root.op), " " + root.shape + ", gradient fed in ",
        valueNode(root.fed)]);
    });
    header.appendChild(el("p", {}, ["Backward pass " + pass.number + " from "].concat(fed)));
    if (pass.captures) header.appendChild(el("p", { "class": "hint", text: "autograd.grad (or backward(inputs=...)): "
      + "the gradients go back to the caller; .grad is not changed by the pass itself." }));
    if (!pass.completed) header.appendChild(el("p", { "class": "status error", text: "This pass stopped with an error "
      + "after the steps shown." }));
    if (pass.note) header.appendChild(el("p", { "class": "hint", text: pass.note }));
    stepDetails.appendChild(header);
    if (!total) {
      count.textContent = "No steps";
      stepDetails.appendChild(el("p", { "class": "none", text: "Backward ran no node in this pass." }));
      markDrawing(pass, -1);
      return;
    }
    count.textContent = "Step " + (state.step + 1) + " of " + total;
    var step = pass.steps[state.step];
    var node = step.node ? pass.nodes[step.node] : null;
    var who = step.label || (node && node.name);
    stepDetails.appendChild(el("h3", { id: "step-title" }, [step.op, who ? " " : "", who ? code(who) : null]));
    if (node) {
      stepDetails.appendChild(lineParagraph(node.line));
      highlightLine(node.line);
    }
    stepDetails.appendChild(el("p", {}, ["gradient arriving: ", valueNode(step.arrived, "arrived")]));
    if (step.leaf) {
      var leaf = step.leaf;
      var name = (leaf.name || "the leaf") + ".grad";
      if (leaf.captured) {
        stepDetails.appendChild(el("p", { "class": "accumulate", "data-role": "leaf-grad" },
          ["this gradient is returned for " + (leaf.name || "the input") + " (" + name + " is not changed by the pass)"]));
      } else if (leaf.before) {
        stepDetails.appendChild(el("p", { "class": "accumulate", "data-role": "leaf-grad" }, [name + " held ",
          valueNode(leaf.before), " before this pass; the gradient is added to it: ", valueNode(leaf.after, "grad")]));
      } else {
        stepDetails.appendChild(el("p", { "data-role": "leaf-grad" }, [name + " was None; it now holds ",
          valueNode(leaf.after, "grad")]));
      }
    }
    if (step.retained) {
      stepDetails.appendChild(el("p", { "class": "hint", text: "retain_grad(): stored in " + step.retained.map(function (n) {
        return n + ".grad"; }).join(", ") }));
    }
    if (step.sends.length) {
      stepDetails.appendChild(el("h4", { text: "Sent to each input" }));
      stepDetails.appendChild(el("ul", { "class": "sends" }, step.sends.map(function (send) {
        return sendItem(pass, step, send);
      })));
    } else if (!step.leaf) {
      stepDetails.appendChild(el("p", { "class": "none", text: "No input of this op requires grad." }));
    }
    if (state.step === total - 1 && pass.omitted) {
      stepDetails.appendChild(el("p", { "class": "hint", text: pass.omitted + " more steps are not kept." }));
    }
    markDrawing(pass, state.step);
  }

  function showPass(index) {
    state.pass = index;
    state.step = 0;
    Array.prototype.forEach.call(document.querySelectorAll(".pass-graph"), function (holder) {
      holder.hidden = holder.getAttribute("data-pass") !== String(index);
    });
    renderStep();
  }

  function move(delta) {
    if (!data.passes.length) return;
    var total = data.passes[state.pass].steps.length;
    var target = Math.max(0, Math.min(total - 1, state.step + delta));
    if (target !== state.step) {
      state.step = target;
      renderStep();
    }
  }

  if (data.passes.length && select) {
    select.addEventListener("change", function () { showPass(parseInt(select.value, 10)); });
    prev.addEventListener("click", function () { move(-1); });
    next.addEventListener("click", function () { move(1); });
    document.addEventListener("keydown", function (event) {
      var tag = event.target && event.target.tagName ? event.target.tagName.toLowerCase() : "";
      if (tag === "select" || tag === "input" || tag === "textarea") return;
      if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
      if (event.key === "ArrowRight") { event.preventDefault(); move(1); }
      else if (event.key === "ArrowLeft") { event.preventDefault(); move(-1); }
    });
    Array.prototype.forEach.call(document.querySelectorAll(".pass-graph"), function (holder) {
      var index = parseInt(holder.getAttribute("data-pass"), 10);
      Array.prototype.forEach.call(holder.querySelectorAll(".node"), function (node) {
        activate(node, function () {
          var id = node.getAttribute("data-node");
          var steps = data.passes[index].steps;
          for (var i = 0; i < steps.length; i++) {
            if (steps[i].node === id) {
              state.step = i;
              renderStep();
              return;
            }
          }
        });
      });
    });
    showPass(parseInt(select.value, 10));
  }
})();
