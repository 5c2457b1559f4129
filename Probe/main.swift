import NeuralNet
import Probability
import Foundation

let threads = Int(CommandLine.arguments.dropFirst().first ?? "2") ?? 2
MatrixBackend.setThreadCount(threads)
let (inputs, hidden, latent, batch) = (784, 400, 20, 128)
var generator = Xoshiro256StarStar(seed: 0)
let model = VAE<Float>(VAEConfiguration(inputs: inputs, hidden: hidden, latent: latent), generator: &generator)
let x = (0..<(batch * inputs)).map { _ in Float(generator.nextUniform()) }
let noise = (0..<(batch * latent)).map { _ in Float(NormalSampler.next(using: &generator)) }
let optimizer = Optimizer<Float>(.adam, learningRate: 1e-3)
let layers = model.layers.map(\.layer)
var t = [Double](repeating: 0, count: 4)
let clock = ContinuousClock()
func secs(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
let steps = 400
x.withUnsafeBufferPointer { xs in noise.withUnsafeBufferPointer { ns in
  for s in 0..<(steps + 20) {
    let a = clock.now
    model.forward(xs.baseAddress!, batch: batch, noise: ns.baseAddress!)
    let b = clock.now
    model.backward(xs.baseAddress!, batch: batch, noise: ns.baseAddress!)
    let c = clock.now
    optimizer.update(layers)
    let d = clock.now
    if s >= 20 { t[0] += secs(b - a); t[1] += secs(c - b); t[2] += secs(d - c); t[3] += secs(d - a) }
  }
}}
print(String(format: "forward %.3f backward %.3f adam %.3f total %.3f ms", t[0]/Double(steps)*1000, t[1]/Double(steps)*1000, t[2]/Double(steps)*1000, t[3]/Double(steps)*1000))
