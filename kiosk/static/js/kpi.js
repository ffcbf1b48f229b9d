// The printable reports: the print button opens the browser's print dialog (A4, see kpi.css).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
