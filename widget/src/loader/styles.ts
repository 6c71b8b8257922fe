// Styles of the launcher and the frame container. They live in the shadow
// root, so nothing leaks into the host page and the host's CSS cannot reach in.
export const CSS = `
:host{all:initial}
.launcher{position:fixed;right:20px;bottom:20px;width:56px;height:56px;border:0;border-radius:50%;
background:var(--parley-color,#3b5bdb);color:#fff;cursor:pointer;display:flex;align-items:center;
justify-content:center;box-shadow:0 4px 14px rgba(0,0,0,.22);transition:transform .15s ease;padding:0;margin:0}
.launcher:hover{transform:scale(1.06)}
.launcher:focus-visible{outline:3px solid rgba(59,91,219,.45);outline-offset:3px}
.launcher svg{width:26px;height:26px;fill:currentColor}
.launcher .i-close{display:none}
.launcher[aria-expanded=true] .i-open{display:none}
.launcher[aria-expanded=true] .i-close{display:block}
.frame{position:fixed;right:20px;bottom:88px;width:370px;height:600px;max-height:calc(100vh - 108px);
border:0;border-radius:14px;background:#fff;box-shadow:0 8px 32px rgba(0,0,0,.2);color-scheme:light}
.frame[hidden]{display:none}
@media (max-width:480px){.frame{right:0;bottom:0;width:100vw;height:100%;max-height:100%;border-radius:0}
.launcher[aria-expanded=true]{display:none}}
`
