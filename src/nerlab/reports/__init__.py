"""Reports: headline/detail metric files, figures, markdown tables and the HTML page."""
