const l=814,n=[814],c={5814:((s,o,t)=>{t.r(o),t.d(o,{default:()=>d});const d=globalThis.fetch})};export{l as id,n as ids,c as modules};
