using Pipelines.Export.Quantization;
using Pipelines.Numerics.LinearAlgebra;

namespace Pipelines.Export.QPissa;

/// <summary>
/// The export's weight quantizer as a pure function deq(Q(W)) on a MatMul weight W[K, N] (ONNX <c>y = x·W</c>), for
/// quantizer-in-the-loop initialisers that live below Export (LoftQ's <c>LoftQOptions.RoundTrip</c> in Transforms).
/// </summary>
public static class QuantizerRoundTrip
{
    /// <summary>deq(Q(·)) with exactly the arithmetic of <paramref name="options"/>' MatMul quantizer (block-wise int4 by default).</summary>
    /// <param name="options">The quantization settings the exported artifact uses.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static Func<Matrix, Matrix> Of(QuantizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return w => new Matrix(w.Rows, w.Cols, WeightRoundTrip.Dequantize(w.Data, w.Rows, w.Cols, options));
    }
}
