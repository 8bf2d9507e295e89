; every field form, written for Muster's tests
classes = win,unix,other

[mtu]
label = Ethernet
sig   = 1500
label = PPPoE
sig   = 1492

[tcp:request]
label = s:unix:Forms:one
sys   = Linux,@unix
sig   = 4:54+10:0:1460:%8192,*:mss,nop,ws:df,id+:0
sig   = 6:128:0:*:mtu*4,2:mss,?30,eol+3:flow,ecn:+
sig   = *:255:4:*:mss*2,0:nop,sok,sack,ts::*
sig   = *:64-:0:*:*,14:ws:0+,seq-,ack+,ack-,uptr+,urgf+,pushf+:0
sig   = *:64:0:0:1234,*::ts1-,ts2+,opt+,exws,bad,id-:0
sig   = *:32+?:0:*:1,0:mss::0
sig   = *:64:0:*:mss*20,7:mss,sok,ts,nop,ws:df,id+:0
label = g:win:Forms:generic
sig   = *:128:0:*:*,*:mss:df:0
sig   = *:128:0:*:8192,*:mss,nop,ws,nop,nop,sok:df,id+:0

[tcp:response]
label = s:other:Forms:resp
sig   = *:64:0:*:mss*10,*:mss,sok,ts,nop,ws:df:0

[http:request]
ua_os = Linux,Windows
label = s:!:Browser:1
sig   = *:Host,User-Agent::Browser
