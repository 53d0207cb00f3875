s0921
r s BC-BBO--Cubs-Cardinals     06-14 0755
^BC-BBO--Cubs-Cardinals,520<
^Cubs rally in ninth to beat Cardinals 5-4<
^By MARIA LOPEZ=
^AP Sports Writer=
	ST. LOUIS (AP) _ Ian Happ singled home the go-ahead run in the ninth inning and the Chicago Cubs beat the St. Louis Cardinals 5-4 on Saturday night.<
	The Cubs have won four straight.<
	AP-WF-06-15-25 0310GMT<

