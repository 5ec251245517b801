namespace Pipelines.Onnx;

/// <summary>
/// A 2-D weight consumed by MatMul or Gemm. <c>y = x·W</c> in ONNX terms, so the weight maps
/// <see cref="InFeatures"/> to <see cref="OutFeatures"/>; in nn.Linear terms it is Wᵀ with W ∈ R^{out×in}.
/// </summary>
/// <param name="Initializer">The initializer's name (MiniLM's are numeric, e.g. <c>938</c>).</param>
/// <param name="Node">The consuming node's name.</param>
/// <param name="OpType">MatMul or Gemm.</param>
/// <param name="InputIndex">Which input of the node the weight is (1 = B for <c>x·W</c>).</param>
/// <param name="InFeatures">Input features (rows of the stored in×out matrix unless <paramref name="Transposed"/>).</param>
/// <param name="OutFeatures">Output features.</param>
/// <param name="Transposed">True when stored out×in (Gemm with transB=1).</param>
/// <param name="Role">The role found by graph traversal.</param>
/// <param name="Layer">The transformer layer index, or -1 when not inside a layer.</param>
/// <param name="Bias">The bias initializer added to the output, if found.</param>
public sealed record LinearWeight(
    string Initializer,
    string Node,
    string OpType,
    int InputIndex,
    long InFeatures,
    long OutFeatures,
    bool Transposed,
    WeightRole Role,
    int Layer,
    string? Bias)
{
    /// <summary>Parameters in the weight.</summary>
    public long ParameterCount => InFeatures * OutFeatures;
}
