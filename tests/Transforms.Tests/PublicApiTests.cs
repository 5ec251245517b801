using Pipelines.Testing;
using Xunit;

namespace Pipelines.Transforms.Tests;

public sealed class PublicApiTests
{
    /// <summary>
    /// The public surface of Pipelines.Transforms equals PublicApi/Pipelines.Transforms.txt; after an intended change run
    /// <c>UPDATE_PUBLIC_API=1 dotnet test tests/Transforms.Tests/Transforms.Tests.csproj -c Release --filter PublicApi</c> and commit the file.
    /// </summary>
    [Fact]
    public void PublicApi_MatchesTheCheckedInSnapshot() => PublicApiSnapshot.Verify(typeof(Pipelines.Transforms.Topology.SignedMeasureEstimator).Assembly);
}
