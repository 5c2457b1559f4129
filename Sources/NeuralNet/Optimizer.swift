import Dispatch

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

  /// One tensor's buffers, handed to the threads of a split update; each thread
  /// writes only its own range, so sharing them is safe.
  struct Tensor: @unchecked Sendable {
    let values: UnsafeMutableBufferPointer<S>
    let gradient: UnsafeBufferPointer<S>
    let first: UnsafeMutableBufferPointer<S>
    let second: UnsafeMutableBufferPointer<S>
  }

  /// sqrt(v) for eight v >= 0, as vector instructions. SIMD8's squareRoot()
  /// takes a lane at a time through libm's errno path for negative inputs;
  /// taking the magnitude first (|v| = v here) lets LLVM drop that path.
  @inline(__always)
  static func squareRoot(ofNonNegative lanes: SIMD8<S>) -> SIMD8<S> {
    var result = SIMD8<S>()
    for i in 0..<8 { result[i] = lanes[i].magnitude.squareRoot() }
    return result
  }

  /// Adam's update of one tensor, eight lanes at a time (the compiler cannot
  /// prove the four buffers distinct, so it would not vectorise the plain loop).
  @inline(__always)
  static func adam(
    values: UnsafeMutableBufferPointer<S>, gradient: UnsafeBufferPointer<S>, first: UnsafeMutableBufferPointer<S>,
    second: UnsafeMutableBufferPointer<S>, constants: (b1: S, b2: S, eps: S, stepSize: S, correction: S)
  ) {
    guard let w = values.baseAddress, let g = gradient.baseAddress, let m = first.baseAddress,
      let v = second.baseAddress
    else { return }
    let (b1, b2, eps, stepSize, correction) = constants
    let count = values.count
    var i = 0
    typealias Lanes = SIMD8<S>
    let width = Lanes.scalarCount
    while i + width <= count {
      let gi = UnsafeRawPointer(g + i).loadUnaligned(as: Lanes.self)
      let mi = b1 * UnsafeRawPointer(m + i).loadUnaligned(as: Lanes.self) + (1 - b1) * gi
      let vi = b2 * UnsafeRawPointer(v + i).loadUnaligned(as: Lanes.self) + (1 - b2) * gi * gi
      let wi =
        UnsafeRawPointer(w + i).loadUnaligned(as: Lanes.self) - stepSize * mi
        / (squareRoot(ofNonNegative: vi) * correction + eps)
      UnsafeMutableRawPointer(m + i).storeBytes(of: mi, as: Lanes.self)
      UnsafeMutableRawPointer(v + i).storeBytes(of: vi, as: Lanes.self)
      UnsafeMutableRawPointer(w + i).storeBytes(of: wi, as: Lanes.self)
      i += width
    }
    while i < count {
      let gi = g[i]
      m[i] = b1 * m[i] + (1 - b1) * gi
      v[i] = b2 * v[i] + (1 - b2) * gi * gi
      w[i] -= stepSize * m[i] / (v[i].squareRoot() * correction + eps)
      i += 1
    }
  }

  /// One update of every weight and bias from its gradient.
  ///
  /// SGD: w -= lr g. Adam (Kingma and Ba, ICLR 2015), exactly as torch.optim.Adam:
  /// m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
  /// w -= (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps).
  /// Specialised: Adam's loop over every weight in each training step (Float; Double in the tests' trainers).
  @_specialize(where S == Float)
  @_specialize(where S == Double)
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
      for isWeight in [true, false] {
        let slot = 2 * index + (isWeight ? 0 : 1)
        let gradientArray = isWeight ? layer.weightGradient : layer.biasGradient
        func apply(_ values: UnsafeMutableBufferPointer<S>) {
          gradientArray.withUnsafeBufferPointer { g in
            switch kind {
            case .sgd:
              for i in values.indices { values[i] -= lr * g[i] }
            case .adam:
              first[slot].withUnsafeMutableBufferPointer { m in
                second[slot].withUnsafeMutableBufferPointer { v in
                  // Large tensors are split between two threads: the update is bound
                  // by memory traffic (seven values per weight), which two cores share better.
                  // The threads get only the buffers' addresses, taken here before they
                  // start, and each writes its own range: whole SIMD vectors, covering
                  // every value (count / parts, rounded down, left the last value of a
                  // tensor of 16k + 1 values out).
                  let parts = values.count >= 1 << 16 ? 2 : 1
                  let chunk = ((values.count + parts - 1) / parts + 7) & ~7
                  let tensor = Tensor(values: values, gradient: g, first: m, second: v)
                  DispatchQueue.concurrentPerform(iterations: parts) { part in
                    let range = (part * chunk)..<min(tensor.values.count, (part + 1) * chunk)
                    Self.adam(
                      values: UnsafeMutableBufferPointer(rebasing: tensor.values[range]),
                      gradient: UnsafeBufferPointer(rebasing: tensor.gradient[range]),
                      first: UnsafeMutableBufferPointer(rebasing: tensor.first[range]),
                      second: UnsafeMutableBufferPointer(rebasing: tensor.second[range]),
                      constants: (b1, b2, eps, stepSize, correction))
                  }
                }
              }
            }
          }
        }
        if isWeight {
          layer.weight.withUnsafeMutableBufferPointer { apply($0) }
        } else {
          layer.bias.withUnsafeMutableBufferPointer { apply($0) }
        }
      }
    }
  }
}
