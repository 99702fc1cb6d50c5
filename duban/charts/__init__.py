"""The chart builder (图表): datasets over the register's data, grouped and measured in
polars, drawn with plotly; saved charts and their pins on dashboards."""
