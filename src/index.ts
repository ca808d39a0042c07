import { run } from './main.js'
import { relaunchBehindProxy } from './proxy.js'

const relaunched = await relaunchBehindProxy()
if (relaunched === undefined) await run()
else process.exitCode = relaunched
