/// Gradient-descent optimisers over a model's layers, each update one fused
/// loop per tensor.
public enum OptimizerKind: String, Codable, Sendable, CaseIterable {
  case adam, sgd
}

public final class Optimizer<S: BLASScalar> {
  public let kind: OptimizerKind
  public var learningRate: Double
  public let beta1 = 0.9
  public let beta2 = 0.999
  public let epsilon = 1e-8
  /// Steps taken, for Adam's bias correction.
  public private(set) var step = 0
  /// Adam's first and second moments, per tensor, in the order of `tensors`.
  private var first: [[S]] = []
  private var second: [[S]] = []

  public init(_ kind: OptimizerKind, learningRate: Double) {
    self.kind = kind
    self.learningRate = learningRate
  }

  /// One update of every weight and bias from its gradient.
  ///
  /// SGD: w -= lr g. Adam (Kingma and Ba, ICLR 2015), exactly as torch.optim.Adam:
  /// m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
  /// w -= (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps).
  public func update(_ layers: [Linear<S>]) {
    step += 1
    if first.isEmpty {
      for layer in layers {
        for count in [layer.weight.count, layer.bias.count] {
          first.append(Array(repeating: 0, count: count))
          second.append(Array(repeating: 0, count: count))
        }
      }
    }
    let stepSize = S(learningRate / (1 - Double.pow(beta1, Double(step))))
    let correction = S(1 / (1 - Double.pow(beta2, Double(step))).squareRoot())
    let (b1, b2, eps, lr) = (S(beta1), S(beta2), S(epsilon), S(learningRate))
    for (index, layer) in layers.enumerated() {
      for (offset, isWeight) in [(0, true), (1, false)] {
        let slot = 2 * index + offset
        let gradient = isWeight ? layer.weightGradient : layer.biasGradient
        func apply(_ values: inout [S]) {
          switch kind {
          case .sgd:
            for i in values.indices { values[i] -= lr * gradient[i] }
          case .adam:
            first[slot].withUnsafeMutableBufferPointer { m in
              second[slot].withUnsafeMutableBufferPointer { v in
                for i in values.indices {
                  let g = gradient[i]
                  m[i] = b1 * m[i] + (1 - b1) * g
                  v[i] = b2 * v[i] + (1 - b2) * g * g
                  values[i] -= stepSize * m[i] / (v[i].squareRoot() * correction + eps)
                }
              }
            }
          }
        }
        if isWeight { apply(&layer.weight) } else { apply(&layer.bias) }
      }
    }
  }
}
