s0922
r s BC-BBN--Standings     06-14 0801
^BC-BBN--Standings,330<
^NATIONAL LEAGUE STANDINGS=
	All Times EDT<
	East Division W L Pct GB<
	Philadelphia 45 24 .652 _<
	Atlanta 38 30 .559 6 1/2<
	AP-WF-06-15-25 0311GMT<

