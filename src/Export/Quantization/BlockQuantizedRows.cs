namespace Pipelines.Export.Quantization;

/// <summary>
/// The result of <see cref="BlockQuantizer.Quantize"/>: codes <c>q[rows, length]</c> (one per byte, unpacked), scales and
/// zero points <c>[rows, blocks]</c>. <c>w[r, c] = (q[r, c] − zp[r, c/blockSize]) · scale[r, c/blockSize]</c>.
/// </summary>
public sealed class BlockQuantizedRows
{
    internal BlockQuantizedRows(int rows, int length, int blockSize, int bits, bool symmetric, byte[] codes, float[] scales, byte[] zeroPoints)
    {
        Rows = rows;
        Length = length;
        BlockSize = blockSize;
        Bits = bits;
        Symmetric = symmetric;
        Codes = codes;
        Scales = scales;
        ZeroPoints = zeroPoints;
    }

    /// <summary>Number of rows.</summary>
    public int Rows { get; }

    /// <summary>Elements per row.</summary>
    public int Length { get; }

    /// <summary>Elements per block.</summary>
    public int BlockSize { get; }

    /// <summary>Bits per code.</summary>
    public int Bits { get; }

    /// <summary>True when every zero point is 2^(bits−1).</summary>
    public bool Symmetric { get; }

    /// <summary>Blocks per row: <c>ceil(length / blockSize)</c>.</summary>
    public int BlocksPerRow => (Length + BlockSize - 1) / BlockSize;

    /// <summary>Codes <c>[rows, length]</c>, one per byte, in <c>[0, 2^bits)</c>.</summary>
    public byte[] Codes { get; }

    /// <summary>Scales <c>[rows, blocks]</c>.</summary>
    public float[] Scales { get; }

    /// <summary>Zero points <c>[rows, blocks]</c>, one per byte.</summary>
    public byte[] ZeroPoints { get; }

    /// <summary>Writes the dequantized matrix <c>[rows, length]</c> into <paramref name="destination"/>.</summary>
    public void Dequantize(Span<float> destination)
    {
        if (destination.Length != (long)Rows * Length)
        {
            throw new ArgumentException($"Destination of {destination.Length} values does not match [{Rows}, {Length}].", nameof(destination));
        }

        int blocks = BlocksPerRow;
        for (int r = 0; r < Rows; r++)
        {
            for (int c = 0; c < Length; c++)
            {
                int b = (r * blocks) + (c / BlockSize);
                destination[(r * Length) + c] = (Codes[(r * Length) + c] - ZeroPoints[b]) * Scales[b];
            }
        }
    }

    /// <summary>The dequantized matrix <c>[rows, length]</c>.</summary>
    public float[] Dequantize()
    {
        var result = new float[Rows * Length];
        Dequantize(result);
        return result;
    }

    /// <summary>
    /// Codes per block, each row padded to whole blocks with its block's zero point, in the <c>MatMulNBits</c> <c>B</c> layout
    /// <c>[rows, blocks, blockSize·bits/8]</c>: 4-bit codes two per byte, low nibble first (for a block size equal to the row
    /// length it is also <c>GatherBlockQuantized</c>'s <c>[rows, length/2]</c>); 8-bit codes one per byte.
    /// </summary>
    public byte[] PackCodesPerBlock()
    {
        RequireFourOrEightBits();
        int blocks = BlocksPerRow;
        int padded = blocks * BlockSize;
        int perRow = padded * Bits / 8;
        var padCodes = new byte[padded];
        var packed = new byte[(long)Rows * perRow];
        for (int r = 0; r < Rows; r++)
        {
            Codes.AsSpan(r * Length, Length).CopyTo(padCodes);
            for (int c = Length; c < padded; c++)
            {
                padCodes[c] = ZeroPoints[(r * blocks) + (c / BlockSize)];
            }

            if (Bits == 8)
            {
                padCodes.CopyTo(packed.AsSpan(r * perRow, perRow));
            }
            else
            {
                Int4Packing.Pack(padCodes, packed.AsSpan(r * perRow, perRow));
            }
        }

        return packed;
    }

    /// <summary>
    /// Zero points per row in the <c>MatMulNBits</c> <c>zero_points</c> layout: 4-bit <c>[rows, ceil(blocks/2)]</c>, even block in
    /// the low nibble, each row padded to a whole byte; 8-bit <c>[rows, blocks]</c>, one byte each.
    /// </summary>
    public byte[] PackZeroPointsPerRow()
    {
        RequireFourOrEightBits();
        if (Bits == 8)
        {
            return (byte[])ZeroPoints.Clone();
        }

        int blocks = BlocksPerRow;
        int perRow = (blocks + 1) / 2;
        var packed = new byte[Rows * perRow];
        for (int r = 0; r < Rows; r++)
        {
            Int4Packing.Pack(ZeroPoints.AsSpan(r * blocks, blocks), packed.AsSpan(r * perRow, perRow));
        }

        return packed;
    }

    private void RequireFourOrEightBits()
    {
        if (Bits is not (4 or 8))
        {
            throw new InvalidOperationException($"Packing needs 4- or 8-bit codes; these are {Bits}-bit.");
        }
    }
}
