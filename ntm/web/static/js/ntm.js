// NTM Monitor: the few behaviours every page shares, without a framework.
// - the menu folds behind a "Menu" button on narrow screens (without this script it stays open);
// - a table marked data-table-live submits its filter form as the user types (htmx does the request).
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
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUpMenu);
  else setUpMenu();
})();
