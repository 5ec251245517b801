namespace Pipelines.Export.Quantization;

/// <summary>Reading 2-D float initializers as row-major matrices.</summary>
public static class WeightMatrix
{
    /// <summary>True when <paramref name="tensor"/> is a 2-D float tensor.</summary>
    public static bool IsFloatMatrix(OnnxTensor? tensor) =>
        tensor is { ElementType: TensorElementType.Float, Dims.Length: 2 } && tensor.Dims[0] > 0 && tensor.Dims[1] > 0;

    /// <summary>The transpose of a row-major <c>[rows, cols]</c> matrix, as <c>[cols, rows]</c>.</summary>
    public static float[] Transpose(ReadOnlySpan<float> matrix, int rows, int cols)
    {
        var t = new float[matrix.Length];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                t[(c * rows) + r] = matrix[(r * cols) + c];
            }
        }

        return t;
    }

    /// <summary>
    /// Quantizes a MatMul weight <c>W[K, N]</c> block-wise along K for each output column n (the rows of the result are the
    /// N columns of W).
    /// </summary>
    /// <param name="w">The weight, row-major <c>[K, N]</c>.</param>
    /// <param name="k">K (input features).</param>
    /// <param name="n">N (output features).</param>
    /// <param name="blockSize">Elements per block along K.</param>
    /// <param name="bits">Bits per code.</param>
    /// <param name="symmetric">Symmetric blocks (see <see cref="BlockQuantizer.Quantize"/>).</param>
    /// <param name="search">How block scales are chosen.</param>
    /// <param name="importance">Optional error weights per input feature <c>h[K]</c>; empty: all 1.</param>
    /// <param name="hqq">The solver of <see cref="BlockScaleSearch.Hqq"/>; null: <see cref="HqqParameters.Default"/>.</param>
    public static BlockQuantizedRows QuantizeColumns(
        ReadOnlySpan<float> w, int k, int n, int blockSize, int bits, bool symmetric,
        BlockScaleSearch search = BlockScaleSearch.MinMax, ReadOnlySpan<float> importance = default, HqqParameters? hqq = null) =>
        BlockQuantizer.Quantize(Transpose(w, k, n), n, k, blockSize, bits, symmetric, search, importance, hqq);
}
