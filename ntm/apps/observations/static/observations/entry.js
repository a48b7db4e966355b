// Entry form: show the name of the chosen evidence file next to the "Chọn tệp…" button.
document.addEventListener("change", function (event) {
  var input = event.target;
  if (!input || input.type !== "file") return;
  var cell = input.closest("td");
  var out = cell && cell.querySelector(".file-name");
  if (out) out.textContent = input.files.length ? input.files[0].name : "";
});
