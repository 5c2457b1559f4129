import Testing

@testable import NeuralNet

/// The batch buffers tile their one allocation: every array its size, none
/// overlapping, nothing left over.
struct BuffersTests {
  @Test(arguments: [
    VAEConfiguration(inputs: 6, hidden: [5], latent: 2),
    VAEConfiguration(inputs: 784, hidden: [400, 30, 7], latent: 20),
    VAEConfiguration(inputs: 3, hidden: [4, 9], latent: 1, kind: .autoencoder),
  ])
  func theArraysTileTheAllocation(configuration c: VAEConfiguration) {
    let batch = 3
    let buffers = VAE<Float>.Buffers(c, batch: batch)
    let (l, d) = (c.latent * batch, c.inputs * batch)
    var arrays: [(start: UnsafeMutablePointer<Float>, count: Int)] = [
      (buffers.mu, l), (buffers.logvar, l), (buffers.std, l), (buffers.z, l), (buffers.output, d),
      (buffers.rowLoss, batch), (buffers.outputGradient, d), (buffers.zGradient, l), (buffers.muGradient, l),
      (buffers.logvarGradient, l), (buffers.topGradientPart, (c.hidden.last ?? 0) * batch),
    ]
    for (layer, width) in zip(buffers.encoder + buffers.decoder, c.hidden + c.hidden.reversed()) {
      arrays += [(layer.activation, width * batch), (layer.gradient, width * batch)]
    }
    #expect(buffers.encoder.count == c.hidden.count && buffers.decoder.count == c.hidden.count)
    var next = buffers.storage
    for array in arrays.sorted(by: { $0.start < $1.start }) {
      #expect(array.start == next)
      next = array.start + array.count
    }
    let total = arrays.reduce(0) { $0 + $1.count }
    #expect(next == buffers.storage + total)
  }
}
