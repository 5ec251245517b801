namespace Pipelines.Export.Quantization;

/// <summary>
/// Block-wise k-bit quantization of the rows of a row-major matrix <c>[rows, length]</c>: each run of
/// <c>blockSize</c> consecutive elements of a row shares one scale and one zero point, and a value is dequantized as
/// <c>w = (q − zp)·scale</c>. For a MatMul weight <c>W[K, N]</c> the rows are the output columns n (blocks run along K,
/// as <c>MatMulNBits</c> stores them); for an embedding table <c>E[V, D]</c> the rows are the vocabulary entries.
/// </summary>
public static class BlockQuantizer
{
    /// <summary>Quantizes <paramref name="matrix"/> (<c>[rows, length]</c>, row-major).</summary>
    /// <param name="matrix">The values.</param>
    /// <param name="rows">Number of rows.</param>
    /// <param name="length">Elements per row.</param>
    /// <param name="blockSize">Elements per block (the last block of a row may be shorter).</param>
    /// <param name="bits">Bits per value, 2 to 8.</param>
    /// <param name="symmetric">
    /// True: zero point 2^(bits−1) and <c>scale = m / −2^(bits−1)</c> with m the block's value of largest magnitude (sign kept), so
    /// that value lands exactly on the code 0 (ORT's symmetric MatMulNBits rule); false: asymmetric over the block's
    /// range widened to include 0, <c>scale = (max − min)/(2^bits − 1)</c>, <c>zp = round(−min/scale)</c>.
    /// </param>
    /// <param name="search">How each block's scale and zero point are chosen (<see cref="BlockScaleSearch"/>).</param>
    /// <param name="importance">
    /// Optional weights <c>h[length]</c> of the squared error per position along a row (e.g. the mean square of the
    /// activation that multiplies it); empty: all 1.
    /// </param>
    /// <param name="hqq">The solver of <see cref="BlockScaleSearch.Hqq"/>; null: <see cref="HqqParameters.Default"/>.</param>
    public static BlockQuantizedRows Quantize(
        ReadOnlySpan<float> matrix, int rows, int length, int blockSize, int bits, bool symmetric,
        BlockScaleSearch search = BlockScaleSearch.MinMax, ReadOnlySpan<float> importance = default, HqqParameters? hqq = null)
    {
        hqq?.Validate();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(bits, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bits, 8);
        if (matrix.Length != (long)rows * length)
        {
            throw new ArgumentException($"Matrix of {matrix.Length} values does not match [{rows}, {length}].", nameof(matrix));
        }

        if (!importance.IsEmpty && importance.Length != length)
        {
            throw new ArgumentException($"Importance of {importance.Length} values does not match the row length {length}.", nameof(importance));
        }

        int blocks = (length + blockSize - 1) / blockSize;
        int qmax = (1 << bits) - 1;
        int mid = 1 << (bits - 1);
        var values = new byte[(long)rows * length];
        var scales = new float[rows * blocks];
        var zeros = new byte[rows * blocks];
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> row = matrix.Slice(r * length, length);
            for (int b = 0; b < blocks; b++)
            {
                int start = b * blockSize;
                int count = Math.Min(blockSize, length - start);
                ReadOnlySpan<float> block = row.Slice(start, count);
                ReadOnlySpan<float> h = importance.IsEmpty ? default : importance.Slice(start, count);
                (float scale, int zp) = BlockParameterSearch.Choose(block, h, symmetric, qmax, mid, search, hqq);
                scales[(r * blocks) + b] = scale;
                zeros[(r * blocks) + b] = (byte)zp;
                Span<byte> q = values.AsSpan((r * length) + start, count);
                float inv = scale == 0 ? 0 : 1f / scale;
                for (int i = 0; i < count; i++)
                {
                    q[i] = (byte)BlockParameterSearch.Code(block[i], inv, zp, qmax);
                }
            }
        }

        return new BlockQuantizedRows(rows, length, blockSize, bits, symmetric, values, scales, zeros);
    }

    /// <summary>The squared reconstruction error <c>‖matrix − deq(Q(matrix))‖²</c> of a quantization of it.</summary>
    public static double SquaredError(ReadOnlySpan<float> matrix, BlockQuantizedRows quantized)
    {
        ArgumentNullException.ThrowIfNull(quantized);
        float[] deq = quantized.Dequantize();
        if (deq.Length != matrix.Length)
        {
            throw new ArgumentException($"Matrix of {matrix.Length} values does not match the quantized [{quantized.Rows}, {quantized.Length}].", nameof(matrix));
        }

        double e = 0;
        for (int i = 0; i < deq.Length; i++)
        {
            double d = matrix[i] - deq[i];
            e += d * d;
        }

        return e;
    }

    /// <summary>Range shrink factors tried by the clip search.</summary>
    public static IReadOnlyList<float> ClipRatios { get; } = [0.95f, 0.9f, 0.85f, 0.8f, 0.75f, 0.7f];

    /// <summary>Least-squares refinements of the scale after the clip search.</summary>
    public const int RefinementSteps = 4;
}
