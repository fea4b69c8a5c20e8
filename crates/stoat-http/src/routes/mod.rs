//! One builder per route, grouped as the API groups them.

pub(crate) mod users;

/// Gives a builder with a `parts` method (path and body) its
/// `into_request` and its `IntoFuture`, decoding a JSON answer.
macro_rules! route {
    ($name:ident -> $output:ty, $method:literal, $route:literal) => {
        $crate::routes::route!($name -> $output, $method, $route, true);
    };
    ($name:ident -> $output:ty, $method:literal, $route:literal, $authenticated:expr) => {
        impl $name<'_> {
            /// The request this builder sends, without sending it (input
            /// errors surface here).
            pub fn into_request(self) -> Result<$crate::Request, $crate::Error> {
                let (path, body) = self.parts()?;
                Ok($crate::Request { method: $method, route: $route, path, body, authenticated: $authenticated })
            }
        }

        impl<'a> ::std::future::IntoFuture for $name<'a> {
            type Output = Result<$output, $crate::Error>;
            type IntoFuture = $crate::Pending<'a, $output>;

            fn into_future(self) -> Self::IntoFuture {
                let client = self.client;
                let request = self.into_request();
                Box::pin(async move {
                    let bytes = client.send(request?).await?;
                    $crate::json($route, &bytes)
                })
            }
        }
    };
}

pub(crate) use route;
