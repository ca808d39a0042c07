const l=969,n=[969],c={1969:((s,o,t)=>{t.r(o),t.d(o,{default:()=>d});const d=globalThis.fetch})};export{l as id,n as ids,c as modules};
