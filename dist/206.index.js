const p=206,r=[206],A={4206:((x,o,t)=>{t.r(o),t.d(o,{HttpsProxyAgent:()=>n});var s=t(4708),E=t.n(s);class n extends s.Agent{constructor(e,d){super(d)}}})};export{p as id,r as ids,A as modules};
