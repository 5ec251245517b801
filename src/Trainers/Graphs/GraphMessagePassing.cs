namespace Pipelines.Trainers.Graphs;

/// <summary>How the GINE layers of a graph model pass messages; both compute the same function of the same parameters.</summary>
/// <remarks>
/// A model file stores the parameters, not the layout: a model trained with one layout scores with the other (a file
/// written before this option existed reads as <see cref="Sparse"/> and gives the same predictions up to float rounding).
/// </remarks>
public enum GraphMessagePassing
{
    /// <summary>
    /// Edge lists: the nodes of a batch are stacked into one <c>(ΣN, H)</c> matrix; each directed edge gathers its source
    /// state, adds its edge embedding and applies ReLU (<c>Gather</c>), and the messages are summed into their targets
    /// (<c>ScatterElements</c>, reduction add, <c>GraphBuilder.ScatterAddRows</c>); pooling scatters node states into their graph's row. Cost is linear in nodes
    /// and edges: <c>O((ΣN + E)·H)</c> per layer besides the MLPs. SPE's <c>n×n</c> part is batched as per-graph blocks (<see cref="GineOptions.SpeLayout"/>).
    /// </summary>
    Sparse,

    /// <summary>
    /// Padded dense tensors: messages are formed for every node pair, <c>(B, N_max, N_max, H)</c>, and masked by the
    /// adjacency; cost <c>O(B·N_max²·H)</c> per layer. The original layout, kept for comparison.
    /// </summary>
    Dense,
}
