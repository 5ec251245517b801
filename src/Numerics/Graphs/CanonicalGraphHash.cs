using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Pipelines.Numerics.Graphs;

/// <summary>
/// A 128-bit hash of a labelled weighted graph that does not depend on how its edge list was written: edge order,
/// direction and duplicates are normalised away (SHA-256 over <c>n</c> and the sorted undirected edges with their
/// weights, truncated to 128 bits). Node order matters, as it does for eigenvectors.
/// </summary>
internal static class CanonicalGraphHash
{
    /// <summary>Computes the hash.</summary>
    public static UInt128 Compute(GraphStructure graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        int m = graph.EdgeCount;
        int[] order = Enumerable.Range(0, m).OrderBy(e => graph.EdgeU[e]).ThenBy(e => graph.EdgeV[e]).ToArray();
        var bytes = new byte[8 + (m * 16)];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, graph.NodeCount);
        for (int r = 0; r < m; r++)
        {
            int e = order[r];
            Span<byte> slot = bytes.AsSpan(8 + (r * 16), 16);
            BinaryPrimitives.WriteInt32LittleEndian(slot, graph.EdgeU[e]);
            BinaryPrimitives.WriteInt32LittleEndian(slot[4..], graph.EdgeV[e]);
            BinaryPrimitives.WriteDoubleLittleEndian(slot[8..], graph.EdgeWeights[e]);
        }

        byte[] digest = SHA256.HashData(bytes);
        return BinaryPrimitives.ReadUInt128LittleEndian(digest);
    }
}
