import Probability

/// The variational autoencoder of pytorch/examples (vae/main.py), generalised:
/// encoder D-H1-...-Hk-(mu, logvar) with ReLU (or another
/// `Activation`) after each hidden layer, decoder L-Hk-...-H1-D mirroring it,
/// and per example
///
///     loss = reconstruction + beta * KL(q(z|x) || N(0, I)),
///
/// both summed over dimensions, with one reparameterised sample
/// z = mu + exp(logvar / 2) * eps (Kingma and Welling, ICLR 2014). The training
/// step minimises the batch mean of the per-example loss. With one hidden layer
/// the layer names are pytorch/examples': fc1 (D-H), fc21 (mu), fc22 (logvar),
/// fc3 (L-H), fc4 (H-D); with more, encoder.i and decoder.i replace fc1 and fc3.
/// `kind: .autoencoder` is the plain deterministic autoencoder with the same
/// layers: z = mu, no fc22, no KL.
///
/// This file makes the model and names its layers; VAE+Training.swift holds the
/// forward and backward passes of the loss, VAE+Evaluation.swift encoding,
/// decoding and likelihoods, VAE+Buffers.swift the activations they share.
public final class VAE<S: BLASScalar> {
  public let configuration: VAEConfiguration
  /// The encoder's hidden layers, D-H1, H1-H2, ...
  public let encoder: [Linear<S>]
  public let fc21: Linear<S>, fc22: Linear<S>
  /// The decoder's hidden layers, L-Hk, Hk-H(k-1), ...
  public let decoder: [Linear<S>]
  public let fc4: Linear<S>
  public var backend: MatrixBackend = .blas
  /// How training's backward pass carries the reconstruction term's gradient
  /// to mu and logvar: backpropagation through the reparameterisation (the
  /// default, and what the ELBO's authors use), or the score function, with or
  /// without a leave-one-out baseline over the batch. The decoder's gradient is
  /// the same for all.
  public var estimator: LatentGradientEstimator = .pathwise
  /// The KL schedule's weight for the next step (`KLSchedule`), set by the
  /// trainer; the KL term's weight is beta times it.
  public var klWeight: Double = 1
  /// Each latent dimension's KL summed over the last forward pass's batch,
  /// for free bits.
  var klPerDimension: [Double]

  /// Activations and gradients for one batch size, reused from step to step.
  var buffers: Buffers

  /// A fresh model of `configuration`, its weights drawn from `generator`.
  public convenience init(_ configuration: VAEConfiguration, generator: inout Xoshiro256StarStar) {
    self.init(configuration, generator: &generator, checkpoint: { () throws(Never) in })
  }

  /// The same model, asking `shouldStop` before each layer and every million
  /// values within one: a large network takes seconds to make, and Ctrl-C must
  /// stop it. Interrupted when it says stop; nothing is kept, and the caller's
  /// generator has advanced (a caller that keeps its state passes a copy).
  public convenience init(
    _ configuration: VAEConfiguration, generator: inout Xoshiro256StarStar, shouldStop: () -> Bool
  ) throws(Interrupted) {
    try self.init(
      configuration, generator: &generator,
      checkpoint: { () throws(Interrupted) in if shouldStop() { throw Interrupted() } })
  }

  /// The layers in a fixed order, each drawn from `generator` in turn (the
  /// same weights for the same seed), with `checkpoint` called before each
  /// layer and within large ones.
  init<E: Error>(
    _ configuration: VAEConfiguration, generator: inout Xoshiro256StarStar, checkpoint: () throws(E) -> Void
  ) throws(E) {
    self.configuration = configuration
    let (d, hidden, l) = (configuration.inputs, configuration.hidden, configuration.latent)
    func layer(_ inputs: Int, _ outputs: Int) throws(E) -> Linear<S> {
      try checkpoint()
      return try Linear(inputs: inputs, outputs: outputs, generator: &generator, checkpoint: checkpoint)
    }
    var encoder: [Linear<S>] = []
    for (index, size) in hidden.enumerated() {
      encoder.append(try layer(index == 0 ? d : hidden[index - 1], size))
    }
    self.encoder = encoder
    let top = hidden.last ?? d
    fc21 = try layer(top, l)
    fc22 = try layer(top, l)
    let mirrored = Array(hidden.reversed())
    var decoder: [Linear<S>] = []
    for (index, size) in mirrored.enumerated() {
      decoder.append(try layer(index == 0 ? l : mirrored[index - 1], size))
    }
    self.decoder = decoder
    fc4 = try layer(mirrored.last ?? l, d)
    try checkpoint()
    buffers = Buffers(configuration, batch: 0)
    klPerDimension = [Double](repeating: 0, count: l)
  }

  /// The first encoder and decoder layers, pytorch/examples' fc1 and fc3.
  public var fc1: Linear<S> { encoder[0] }
  public var fc3: Linear<S> { decoder[0] }

  /// The encoder's layers with their names: the hidden layers, fc21 and (for a VAE) fc22.
  public var encoderLayers: ArraySlice<(name: String, layer: Linear<S>)> {
    layers.prefix(encoder.count + (configuration.kind == .vae ? 2 : 1))
  }

  /// The trainable layers with their names (no fc22 in an autoencoder), in a fixed order.
  public var layers: [(name: String, layer: Linear<S>)] {
    let single = encoder.count == 1
    var all = encoder.enumerated().map { (single ? "fc1" : "encoder.\($0.offset)", $0.element) }
    all += [("fc21", fc21)] + (configuration.kind == .vae ? [("fc22", fc22)] : [])
    all += decoder.enumerated().map { (single ? "fc3" : "decoder.\($0.offset)", $0.element) }
    return all + [("fc4", fc4)]
  }

  public var parameterCount: Int { layers.reduce(0) { $0 + $1.layer.weight.count + $1.layer.bias.count } }

  /// The buffers for `batch` rows: the last ones, or new ones when the batch size changed.
  func prepare(_ batch: Int) -> Buffers {
    if buffers.batch != batch { buffers = Buffers(configuration, batch: batch) }
    return buffers
  }
}
