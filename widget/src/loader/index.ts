// /widget.js: the async loader host pages include with
//   <script src="https://chat.example.com/widget.js" data-site="PUBLIC_KEY" async></script>
// It must stay tiny (≤ 5 KB gzipped) and never block the page.
import { boot } from './core'

boot(document.currentScript as HTMLScriptElement | null)
