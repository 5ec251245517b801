using Pipelines.Testing;
using Xunit;

namespace Pipelines.Numerics.Tests;

public sealed class PublicApiTests
{
    /// <summary>
    /// The public surface of Pipelines.Numerics equals PublicApi/Pipelines.Numerics.txt; after an intended change run
    /// <c>UPDATE_PUBLIC_API=1 dotnet test tests/Numerics.Tests/Numerics.Tests.csproj -c Release --filter PublicApi</c> and commit the file.
    /// </summary>
    [Fact]
    public void PublicApi_MatchesTheCheckedInSnapshot() => PublicApiSnapshot.Verify(typeof(Pipelines.Numerics.LinearAlgebra.RandomizedSvd).Assembly);
}
