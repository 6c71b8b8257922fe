import { initFrame } from './frame'
import './frame.css'

initFrame(document, window)
