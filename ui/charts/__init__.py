"""图表: the chart builder page's pieces and the pinned charts on the dashboards."""
