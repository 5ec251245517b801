namespace Pipelines.Export.Quantization;

/// <summary>
/// Two 4-bit codes per byte, element 0 in the low nibble (the ONNX INT4/UINT4 raw layout and the <c>MatMulNBits</c> layout).
/// </summary>
internal static class Int4Packing
{
    /// <summary>Packs codes in <c>[0, 16)</c> (an odd count leaves the last high nibble 0).</summary>
    /// <exception cref="ArgumentException">A code is 16 or more, or the destination is not <c>ceil(n/2)</c> bytes.</exception>
    public static void Pack(ReadOnlySpan<byte> codes, Span<byte> destination)
    {
        int bytes = (codes.Length + 1) / 2;
        if (destination.Length != bytes)
        {
            throw new ArgumentException($"Packing {codes.Length} codes needs {bytes} bytes, not {destination.Length}.", nameof(destination));
        }

        for (int i = 0; i < bytes; i++)
        {
            int lo = codes[2 * i];
            int hi = (2 * i) + 1 < codes.Length ? codes[(2 * i) + 1] : 0;
            if ((lo | hi) > 15)
            {
                throw new ArgumentException($"Code {Math.Max(lo, hi)} at element {2 * i} does not fit in 4 bits.", nameof(codes));
            }

            destination[i] = (byte)(lo | (hi << 4));
        }
    }

    /// <summary>Packs codes into a new array.</summary>
    public static byte[] Pack(ReadOnlySpan<byte> codes)
    {
        var result = new byte[(codes.Length + 1) / 2];
        Pack(codes, result);
        return result;
    }

    /// <summary>Unpacks <paramref name="destination"/>.Length codes.</summary>
    public static void Unpack(ReadOnlySpan<byte> packed, Span<byte> destination)
    {
        if (packed.Length != (destination.Length + 1) / 2)
        {
            throw new ArgumentException($"{packed.Length} packed bytes cannot hold exactly {destination.Length} codes.", nameof(packed));
        }

        for (int i = 0; i < destination.Length; i++)
        {
            byte b = packed[i / 2];
            destination[i] = (byte)((i & 1) == 0 ? b & 0x0F : b >> 4);
        }
    }

    /// <summary>Converts unsigned codes with zero point 8 to signed INT4 codes (<c>q − 8</c>, two's complement nibbles).</summary>
    public static byte ToSignedNibble(byte code) => (byte)((code - 8) & 0x0F);
}
