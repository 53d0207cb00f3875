a0417
u a BC-US--APNewsAlert,17     03-03 0912
^BC-US--APNewsAlert,17<
	Congress passes stopgap bill to avert government shutdown<
	WASHINGTON (AP) _ Congress has passed a stopgap spending bill that keeps the government open through mid-April, sending the measure to the president hours before a midnight deadline.<
	The House approved the bill 310-118 on Friday evening.<
	AP-WF-03-03-25 1412GMT<

