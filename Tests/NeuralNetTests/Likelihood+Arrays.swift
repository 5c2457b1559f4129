@testable import NeuralNet

extension Likelihood {
  /// The Bernoulli loss kernel on arrays: the batch's loss, and the gradient it
  /// writes (each entry starts as NaN, so an entry the kernel misses shows).
  static func bernoulliLoss(logits: [Float], targets: [Float], scale: Float) -> (total: Double, gradient: [Float]) {
    var gradient = [Float](repeating: .nan, count: logits.count)
    let total = logits.withUnsafeBufferPointer { l in
      targets.withUnsafeBufferPointer { x in
        gradient.withUnsafeMutableBufferPointer { g in
          Likelihood.bernoulli.negativeLogLikelihood(
            output: l.baseAddress!, target: x.baseAddress!, count: logits.count, variance: 1, scale: scale,
            gradient: g.baseAddress!)
        }
      }
    }
    return (total, gradient)
  }
}
