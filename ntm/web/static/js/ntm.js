// NTM Monitor: the few behaviours every page shares, without a framework.
// - the menu folds behind a "Menu" button on narrow screens (without this script it stays open);
// - maps zoom and pan (below).
(function () {
  "use strict";
  function setUpMenu() {
    var button = document.querySelector("header.top .menu-toggle");
    var nav = document.getElementById("site-nav");
    if (!button || !nav) return;
    button.hidden = false;
    document.documentElement.classList.add("menu-js");
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", open ? "true" : "false");
      nav.classList.toggle("open", open);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && nav.classList.contains("open")) {
        nav.classList.remove("open");
        button.setAttribute("aria-expanded", "false");
        button.focus();
      }
    });
  }
  // Maps (svg.map holding svg.map-view): zoom and pan by changing the inner drawing's viewBox — the
  // buttons of the .map-tools next to it, the mouse wheel, dragging, and the keyboard (arrows, + and -, 0).
  function setUpMap(box) {
    var svg = box.querySelector("svg.map");
    var view = svg && svg.querySelector("svg.map-view");
    if (!view || box.dataset.ready) return;
    box.dataset.ready = "1";
    var tools = box.querySelector(".map-tools");
    if (tools) tools.hidden = false;
    var vb = view.viewBox.baseVal;
    var home = [vb.x, vb.y, vb.width, vb.height];
    var cur = home.slice();
    function apply() {
      view.setAttribute("viewBox", cur.map(function (n) { return n.toFixed(2); }).join(" "));
      svg.classList.toggle("zoomed", cur[2] < home[2] * 0.99);
    }
    function clamp() {
      cur[0] = Math.min(Math.max(cur[0], home[0] - cur[2] * 0.25), home[0] + home[2] - cur[2] * 0.75);
      cur[1] = Math.min(Math.max(cur[1], home[1] - cur[3] * 0.25), home[1] + home[3] - cur[3] * 0.75);
    }
    function zoom(f, cx, cy) {
      var w = Math.min(home[2], Math.max(home[2] / 16, cur[2] * f));
      var h = w * home[3] / home[2];
      if (cx === undefined) { cx = cur[0] + cur[2] / 2; cy = cur[1] + cur[3] / 2; }
      cur[0] = cx - (cx - cur[0]) * w / cur[2];
      cur[1] = cy - (cy - cur[1]) * h / cur[3];
      cur[2] = w; cur[3] = h;
      if (w >= home[2]) cur = home.slice();
      clamp(); apply();
    }
    function pan(dx, dy) { cur[0] += dx * cur[2]; cur[1] += dy * cur[3]; clamp(); apply(); }
    function toMap(event) {
      var pt = view.createSVGPoint();
      pt.x = event.clientX; pt.y = event.clientY;
      var m = view.getScreenCTM();
      return m ? pt.matrixTransform(m.inverse()) : null;
    }
    box.addEventListener("click", function (event) {
      var b = event.target.closest("button[data-map]");
      if (!b) return;
      var a = b.getAttribute("data-map");
      if (a === "in") zoom(0.6); else if (a === "out") zoom(1 / 0.6); else { cur = home.slice(); apply(); }
    });
    view.addEventListener("wheel", function (event) {
      var p = toMap(event);
      if (!p) return;
      event.preventDefault();
      zoom(event.deltaY < 0 ? 0.8 : 1.25, p.x, p.y);
    }, { passive: false });
    var drag = null, moved = false;
    view.addEventListener("pointerdown", function (event) {
      if (cur[2] >= home[2]) return;  // nothing to pan at full view: clicks go to the communes
      drag = { x: event.clientX, y: event.clientY, box: cur.slice() };
      moved = false;
    });
    view.addEventListener("pointermove", function (event) {
      if (!drag) return;
      var m = view.getScreenCTM();
      if (!m) return;
      var dx = (event.clientX - drag.x) / m.a, dy = (event.clientY - drag.y) / m.d;
      if (Math.abs(dx) + Math.abs(dy) > 2) moved = true;
      cur[0] = drag.box[0] - dx; cur[1] = drag.box[1] - dy;
      clamp(); apply();
    });
    ["pointerup", "pointerleave", "pointercancel"].forEach(function (n) { view.addEventListener(n, function () { drag = null; }); });
    view.addEventListener("click", function (event) { if (moved) { event.preventDefault(); moved = false; } }, true);
    svg.setAttribute("tabindex", "0");
    svg.addEventListener("keydown", function (event) {
      var k = event.key;
      if (k === "+" || k === "=") zoom(0.6);
      else if (k === "-") zoom(1 / 0.6);
      else if (k === "0") { cur = home.slice(); apply(); }
      else if (k === "ArrowLeft") pan(-0.15, 0);
      else if (k === "ArrowRight") pan(0.15, 0);
      else if (k === "ArrowUp") pan(0, -0.15);
      else if (k === "ArrowDown") pan(0, 0.15);
      else return;
      event.preventDefault();
    });
  }
  function setUpMaps(root) {
    (root || document).querySelectorAll(".map-box").forEach(setUpMap);
  }
  // A table wider than the screen scrolls in its own box: the box takes the keyboard focus so that
  // it can be scrolled without a mouse.
  function markScrollers(root) {
    (root || document).querySelectorAll("main table, .table-wrap").forEach(function (el) {
      if (el.scrollWidth > el.clientWidth + 1) {
        if (!el.hasAttribute("tabindex")) el.setAttribute("tabindex", "0");
      } else if (el.getAttribute("tabindex") === "0") {
        el.removeAttribute("tabindex");
      }
    });
  }
  function ready() { setUpMenu(); setUpMaps(); markScrollers(); }
  window.addEventListener("resize", function () { markScrollers(); });
  document.addEventListener("htmx:afterSettle", function (event) { markScrollers(event.target); });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
  document.addEventListener("htmx:afterSettle", function (event) { setUpMaps(event.target); });
})();
