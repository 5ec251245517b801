using Microsoft.ML.Data;

namespace Pipelines.Transforms.Graphs.MLNet;

/// <summary>
/// The ML.NET column type of a variable-size graph (raw type <see cref="Graph"/>). Registered with
/// <see cref="DataViewTypeManager"/> so that <c>LoadFromEnumerable</c> maps <see cref="Graph"/>-typed members to it.
/// </summary>
public sealed class GraphDataViewType : StructuredDataViewType
{
    private static int s_registered;

    private GraphDataViewType()
        : base(typeof(Graph))
    {
    }

    /// <summary>The single instance.</summary>
    public static GraphDataViewType Instance { get; } = new();

    /// <summary>Registers the type with ML.NET (idempotent, thread-safe).</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref s_registered, 1) == 0)
        {
            DataViewTypeManager.Register(Instance, typeof(Graph));
        }
    }

    /// <inheritdoc />
    public override bool Equals(DataViewType? other) => other is GraphDataViewType;

    /// <inheritdoc />
    public override int GetHashCode() => typeof(GraphDataViewType).GetHashCode();

    /// <inheritdoc />
    public override string ToString() => "Graph";
}
