// Entry form: show the name of the chosen evidence file next to the "Chọn tệp…" button.
document.addEventListener("change", function (event) {
  var input = event.target;
  if (!input || input.type !== "file") return;
  var cell = input.closest("td");
  var out = cell && cell.querySelector(".file-name");
  if (out) out.textContent = input.files.length ? input.files[0].name : "";
});

// Entry form: Enter in a field does not submit the form (it moves to the next field), and leaving the
// page with input not yet saved asks first.
(function () {
  var form = document.querySelector("form[data-guard='unsaved']");
  if (!form) return;
  var dirty = false;
  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return !el.disabled && el.type !== "hidden" && el.tagName !== "BUTTON" && el.tagName !== "FIELDSET";
    });
  }
  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("change", function () { dirty = true; });
  form.addEventListener("keydown", function (event) {
    var el = event.target;
    if (event.key !== "Enter" || event.isComposing || !el || el.tagName === "TEXTAREA" || el.tagName === "BUTTON"
        || el.type === "submit" || el.type === "file") return;
    event.preventDefault();
    var all = fields();
    var next = all[all.indexOf(el) + 1];
    if (next) next.focus();
  });
  // every way of leaving through the page's own forms or buttons saves or is deliberate; other ways ask
  document.addEventListener("submit", function (event) {
    if (event.target === form) dirty = false;
  }, true);
  window.addEventListener("beforeunload", function (event) {
    if (!dirty) return;
    event.preventDefault();
    event.returnValue = "";  // the browser shows its own "leave the page?" message
  });
})();
