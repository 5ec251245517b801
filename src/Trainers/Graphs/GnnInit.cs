namespace Pipelines.Trainers.Graphs;

/// <summary>How the message-passing layers' weights are initialised.</summary>
public enum GnnInit
{
    /// <summary>Glorot/Xavier uniform, <c>Var(W) = 2/(fan_in + fan_out)</c>, blind to the graphs (the usual default).</summary>
    Xavier,

    /// <summary>
    /// Virgo (Li et al., ICML 2023): the variance that keeps forward activations and backward gradients steady through
    /// message passing, from the degree structure of the training graphs, the ReLU and the width
    /// (<see cref="VirgoInitializer"/>).
    /// </summary>
    Virgo,
}
