namespace Pipelines.Trainers;

/// <summary>The arithmetic of the frozen (non-trainable) weight matrices' MatMuls in the train step.</summary>
public enum FrozenWeightPrecision
{
    /// <summary>Float32 MatMuls, as the forward graph has them.</summary>
    Float32,

    /// <summary>
    /// Int8 weight-only storage with dynamically quantized activations: every MatMul <c>Y = X·W</c> whose weight
    /// <c>W [K, N]</c> is a frozen float initializer, in the forward pass and in the input-gradient products of the
    /// backward pass (<c>∂L/∂X = G·Wᵀ</c>), becomes <c>DynamicQuantizeLinear(X) → MatMulInteger(X_q, W_q) → Cast ·
    /// (s_X·s_W)</c> with <c>W_q</c> int8, symmetric, one scale per output column (Jacob et al. 2018, "Quantization and
    /// Training of Neural Networks for Efficient Integer-Arithmetic-Only Inference"). Adapters, norms, softmax, the loss
    /// and the optimizer stay float; the eval and exported models keep the float weights.
    /// </summary>
    Int8,
}
