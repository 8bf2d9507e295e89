classes = win,unix
[tcp:request]
sig = *:64:0:*:*,*:mss::0
label = s:unix:Good:1
sig = *:64:0:*:*,*:mss:df,zz:0
sig = *:300:0:*:*,*:mss::0
sig = *:64:0:*:*,*:mss::0:extra
sig = *:64:0:*:mss*0,*:mss::0
sig = *:64:0:*:*,*:mss,eol+1,nop::0
sig = *:64:0:*:*,*:mss,foo::0
label = s:beos:Bad:1
label = q:unix:Bad:1
[smtp:request]
frob = 1
[tcp:response]
label = s:win:Good:2
sig = *:128:0:*:8192,8:mss,nop,ws:df,id+:0
