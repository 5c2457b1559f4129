extension VAE {
  /// One allocation per batch size; freed when the batch size changes or the model goes.
  final class Buffers {
    /// A hidden layer's activation and the gradient with respect to it.
    struct Layer {
      let activation: UnsafeMutablePointer<S>
      let gradient: UnsafeMutablePointer<S>
    }

    /// The arrays besides the hidden layers', in the order they lie in the
    /// allocation, each with its values per example: the one list that sizes
    /// the allocation and hands out its slices.
    enum Role: Int, CaseIterable {
      case mu, logvar, std, z, output, rowLoss
      case outputGradient, zGradient, muGradient, logvarGradient, topGradientPart

      func width(_ c: VAEConfiguration) -> Int {
        switch self {
        case .mu, .logvar, .std, .z, .zGradient, .muGradient, .logvarGradient: c.latent
        case .output, .outputGradient: c.inputs
        case .rowLoss: 1
        case .topGradientPart: c.hidden.last ?? 0
        }
      }
    }

    let batch: Int
    let storage: UnsafeMutablePointer<S>
    let encoder: [Layer]
    let decoder: [Layer]
    let mu, logvar, std, z, output: UnsafeMutablePointer<S>
    /// Each example's f(z) = -log p(x|z), for the score function.
    let rowLoss: UnsafeMutablePointer<S>
    let outputGradient, zGradient, muGradient, logvarGradient, topGradientPart: UnsafeMutablePointer<S>

    /// The roles' arrays, then an activation and a gradient for each hidden
    /// layer, the encoder's and then the decoder's (its widths reversed).
    init(_ c: VAEConfiguration, batch: Int) {
      self.batch = batch
      let layerWidths = c.hidden + c.hidden.reversed()
      let perExample = Role.allCases.reduce(0) { $0 + $1.width(c) } + 2 * layerWidths.reduce(0, +)
      let total = max(1, perExample * batch)
      let base = UnsafeMutablePointer<S>.allocate(capacity: total)
      base.initialize(repeating: 0, count: total)
      storage = base
      var offset = 0
      func take(_ width: Int) -> UnsafeMutablePointer<S> {
        defer { offset += width * batch }
        return base + offset
      }
      let slices = Role.allCases.map { take($0.width(c)) }
      func slice(_ role: Role) -> UnsafeMutablePointer<S> { slices[role.rawValue] }
      (mu, logvar, std, z, output, rowLoss) = (
        slice(.mu), slice(.logvar), slice(.std), slice(.z), slice(.output), slice(.rowLoss)
      )
      (outputGradient, zGradient, muGradient, logvarGradient, topGradientPart) = (
        slice(.outputGradient), slice(.zGradient), slice(.muGradient), slice(.logvarGradient),
        slice(.topGradientPart)
      )
      let layers = layerWidths.map { Layer(activation: take($0), gradient: take($0)) }
      encoder = Array(layers.prefix(c.hidden.count))
      decoder = Array(layers.dropFirst(c.hidden.count))
    }

    deinit { storage.deallocate() }
  }
}
