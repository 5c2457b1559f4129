extension VAE {
  /// One allocation per batch size; freed when the batch size changes or the model goes.
  final class Buffers {
    /// A hidden layer's activation and the gradient with respect to it.
    struct Layer {
      let activation: UnsafeMutablePointer<S>
      let gradient: UnsafeMutablePointer<S>
    }

    let batch: Int
    let storage: UnsafeMutablePointer<S>
    let encoder: [Layer]
    let decoder: [Layer]
    let mu, logvar, std, z, output: UnsafeMutablePointer<S>
    /// Each example's f(z) = -log p(x|z), for the score function.
    let rowLoss: UnsafeMutablePointer<S>
    let outputGradient, zGradient, muGradient, logvarGradient, topGradientPart: UnsafeMutablePointer<S>

    init(_ c: VAEConfiguration, batch: Int) {
      self.batch = batch
      let (d, l) = (c.inputs * batch, c.latent * batch)
      let widths = c.hidden.map { $0 * batch }
      let fixed = [l, l, l, l, d, batch, d, l, l, l, (widths.last ?? 0)]
      let total = max(1, fixed.reduce(0, +) + 4 * widths.reduce(0, +))
      let base = UnsafeMutablePointer<S>.allocate(capacity: total)
      base.initialize(repeating: 0, count: total)
      storage = base
      var offset = 0
      func take(_ size: Int) -> UnsafeMutablePointer<S> {
        defer { offset += size }
        return base + offset
      }
      (mu, logvar, std, z, output, rowLoss) = (take(l), take(l), take(l), take(l), take(d), take(batch))
      (outputGradient, zGradient, muGradient, logvarGradient) = (take(d), take(l), take(l), take(l))
      topGradientPart = take(widths.last ?? 0)
      encoder = widths.map { Layer(activation: take($0), gradient: take($0)) }
      decoder = widths.reversed().map { Layer(activation: take($0), gradient: take($0)) }
    }

    deinit { storage.deallocate() }
  }
}
