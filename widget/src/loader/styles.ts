// Styles of the launcher and the frame container. They live in the shadow
// root, so nothing leaks into the host page and the host's CSS cannot reach in.
export const CSS = `
:host{all:initial}
.launcher{position:fixed;right:20px;bottom:20px;width:56px;height:56px;border:0;border-radius:50%;
background:var(--parley-color,#4f46e5);color:#fff;cursor:pointer;display:flex;align-items:center;
justify-content:center;box-shadow:0 4px 14px rgba(0,0,0,.22);transition:transform .15s ease;padding:0;margin:0}
.launcher.left,.frame.left{right:auto;left:20px}
.launcher[hidden]{display:none}
.launcher:hover{transform:scale(1.06)}
.launcher:focus-visible{outline:3px solid rgba(79,70,229,.45);outline-offset:3px}
.launcher svg{width:26px;height:26px;fill:currentColor}
.launcher .i-close{display:none}
.launcher[aria-expanded=true] .i-open{display:none}
.launcher[aria-expanded=true] .i-close{display:block}
.badge{position:absolute;top:-2px;right:-2px;min-width:20px;height:20px;padding:0 5px;border-radius:10px;
background:#e03131;color:#fff;font:600 12px/20px system-ui,sans-serif;text-align:center;box-sizing:border-box}
.badge[hidden]{display:none}
.frame{position:fixed;right:20px;bottom:88px;width:370px;height:600px;max-height:calc(100vh - 108px);
border:0;border-radius:14px;background:#fff;box-shadow:0 8px 32px rgba(0,0,0,.2);color-scheme:light}
.frame[hidden]{display:none}
@media (max-width:480px){.frame,.frame.left{left:0;right:0;bottom:0;width:100vw;height:100%;max-height:100%;border-radius:0}
.launcher[aria-expanded=true]{display:none}}
@media (prefers-reduced-motion:reduce){.launcher{transition:none}}
`
