"""Assessment (考核): the editable formula, periods, score lines per unit, appeals, frozen
snapshots, and the published scorecard.

Modules: formula (the rules), periods, scoring (lines and unit scores), results (reading),
appeals, freezing, exports (rows, Excel, the 通报), charts.
"""
